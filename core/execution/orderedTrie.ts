import { RLP } from '@ethereumjs/rlp';
import type { Hex } from '../chain/hex.ts';
import { TrieBatch } from '../state/mpt.ts';
import { EMPTY_TRIE_ROOT } from '../state/types.ts';

/** Root of the trie keyed by RLP(index) that Ethereum uses for transactions and receipts. */
export async function orderedTrieRoot(values: Uint8Array[]): Promise<Hex> {
  const trie = new TrieBatch(EMPTY_TRIE_ROOT, () => undefined);
  for (let i = 0; i < values.length; i++) await trie.put(RLP.encode(i), values[i]);
  return trie.commit(new Map());
}
