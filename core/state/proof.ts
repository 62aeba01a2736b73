import { createMerkleProof } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, type Hex, hexToBigInt, hexToBytes, toQuantity, toWord } from '../chain/hex.ts';
import { BufferedTrieDb, decodeAccount, openTrie, type TrieNodeSource } from './stateTrie.ts';
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT } from './types.ts';

export interface AccountProof {
  address: Hex;
  accountProof: Hex[];
  balance: Hex;
  codeHash: Hex;
  nonce: Hex;
  storageHash: Hex;
  storageProof: { key: Hex; value: Hex; proof: Hex[] }[];
}

/** EIP-1186 proof of an account and some of its slots against a block's state root. */
export async function accountProof(nodes: TrieNodeSource, stateRoot: Hex, address: Hex, slots: Hex[]): Promise<AccountProof> {
  const db = new BufferedTrieDb(nodes);
  const stateTrie = openTrie(db, stateRoot);
  const key = hexToBytes(address);
  const proof = await createMerkleProof(stateTrie, key);
  const raw = await stateTrie.get(key);
  const account = raw ? decodeAccount(raw) : undefined;
  const storageHash = account?.storageRoot ?? EMPTY_TRIE_ROOT;
  const storageTrie = openTrie(db, storageHash);
  const storageProof = [];
  for (const slot of slots) {
    const k = toWord(hexToBytes(slot));
    const p = await createMerkleProof(storageTrie, k);
    const v = await storageTrie.get(k);
    storageProof.push({
      key: slot,
      value: toQuantity(v ? hexToBigInt(bytesToHex(RLP.decode(v) as Uint8Array)) : 0n),
      proof: p.map((n) => bytesToHex(n)),
    });
  }
  return {
    address,
    accountProof: proof.map((n) => bytesToHex(n)),
    balance: toQuantity(account?.balance ?? 0n),
    codeHash: account?.codeHash ?? EMPTY_CODE_HASH,
    nonce: toQuantity(account?.nonce ?? 0n),
    storageHash,
    storageProof,
  };
}
