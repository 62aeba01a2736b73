import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, type Hex } from '../chain/hex.ts';

/** Root of the trie keyed by RLP(index) that Ethereum uses for transactions and receipts. */
export async function orderedTrieRoot(values: Uint8Array[]): Promise<Hex> {
  const trie = new MerklePatriciaTrie();
  for (let i = 0; i < values.length; i++) await trie.put(RLP.encode(i), values[i]);
  return bytesToHex(trie.root());
}
