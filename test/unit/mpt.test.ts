/**
 * The batched Merkle-Patricia trie against the EthereumJS trie, the reference it replaces on the
 * sequencer's hot path: the same random changes to both, batch after batch, must give the same
 * root, and the nodes a batch emits must be all a fresh reader needs to find every key.
 */
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../core/chain/hex.ts';
import { orderedTrieRoot } from '../../core/execution/orderedTrie.ts';
import { TrieBatch } from '../../core/state/mpt.ts';
import { EMPTY_TRIE_ROOT } from '../../core/state/types.ts';
import { prng } from '../support/prng.ts';

interface Shape {
  /** Key length in bytes, or a range for keys that are prefixes of others (values in branches). */
  keyBytes: [number, number];
  /** Bytes drawn from this many values, so that keys share long prefixes (extensions). */
  alphabet: number;
}

function randomBytes(rand: () => number, length: number, alphabet: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = alphabet >= 256 ? Math.floor(rand() * 256) : [0x00, 0x01, 0x10, 0x11, 0xff][Math.floor(rand() * alphabet)];
  return out;
}

async function compare(seed: number, shape: Shape, batches: number, opsPerBatch: number, reuse: boolean) {
  const rand = prng(seed);
  const reference = new MerklePatriciaTrie({ useKeyHashing: false });
  const store = new Map<string, Uint8Array>();
  const model = new Map<string, Uint8Array>();
  const keys: Uint8Array[] = [];
  let root = EMPTY_TRIE_ROOT;
  let batch = new TrieBatch(root, (k) => store.get(k));
  for (let b = 0; b < batches; b++) {
    if (!reuse) batch = new TrieBatch(root, (k) => store.get(k));
    for (let op = 0; op < opsPerBatch; op++) {
      const known = keys.length > 0 && rand() < 0.5;
      const len = shape.keyBytes[0] + Math.floor(rand() * (shape.keyBytes[1] - shape.keyBytes[0] + 1));
      const key = known ? keys[Math.floor(rand() * keys.length)] : randomBytes(rand, len, shape.alphabet);
      if (!known) keys.push(key);
      if (rand() < 0.35) {
        await reference.del(key);
        await batch.del(key);
        model.delete(bytesToHex(key));
      } else {
        // Values from 1 to 40 bytes: some leaves encode in under 32 bytes and are embedded.
        const value = randomBytes(rand, 1 + Math.floor(rand() * 40), 256);
        await reference.put(key, value);
        await batch.put(key, value);
        model.set(bytesToHex(key), value);
      }
    }
    const emitted = new Map<string, Uint8Array>();
    root = batch.commit(emitted);
    // The root depends only on the content: the same as a trie built afresh from what is left.
    const fresh = new MerklePatriciaTrie({ useKeyHashing: false });
    for (const [k, v] of model) await fresh.put(hexToBytes(k), v);
    expect(root, `seed ${seed}, batch ${b}`).toBe(bytesToHex(fresh.root()));
    // EthereumJS's incremental deletes go wrong when keys are prefixes of others (values in
    // branches; never in Ethereum's tries, whose keys are all 32 bytes): compare only there.
    if (shape.keyBytes[0] === shape.keyBytes[1]) expect(root, `seed ${seed}, batch ${b}`).toBe(bytesToHex(reference.root()));
    for (const [k, v] of emitted) store.set(k, v);
  }
  // A fresh reader over the stored nodes finds every key the model holds and none it deleted.
  const reader = new TrieBatch(root, (k) => store.get(k));
  for (const key of keys) {
    const want = model.get(bytesToHex(key));
    const got = await reader.get(key);
    expect(got && bytesToHex(got), `seed ${seed}, key ${bytesToHex(key)}`).toBe(want && bytesToHex(want));
  }
  return model.size;
}

describe('batched Merkle-Patricia trie', () => {
  it('gives the EthereumJS root for 32-byte random keys (a secure trie), batch after batch', async () => {
    for (let seed = 1; seed <= 20; seed++) await compare(seed, { keyBytes: [32, 32], alphabet: 256 }, 8, 40, seed % 2 === 0);
  });

  it('gives the EthereumJS root when keys share long prefixes (extensions split and merge)', async () => {
    let sizes = 0;
    for (let seed = 100; seed <= 140; seed++) sizes += await compare(seed, { keyBytes: [6, 6], alphabet: 3 }, 10, 25, seed % 2 === 0);
    expect(sizes).toBeGreaterThan(0);
  });

  it('gives the EthereumJS root when keys are prefixes of other keys (values in branches)', async () => {
    for (let seed = 200; seed <= 240; seed++) await compare(seed, { keyBytes: [1, 4], alphabet: 5 }, 10, 20, seed % 2 === 1);
  });

  it('gives the EthereumJS transactions and receipts root (keys RLP(index)) for blocks of any size', async () => {
    const rand = prng(7);
    for (const size of [0, 1, 2, 16, 127, 128, 129, 300]) {
      const values = Array.from({ length: size }, () => randomBytes(rand, 1 + Math.floor(rand() * 300), 256));
      const reference = new MerklePatriciaTrie();
      for (let i = 0; i < size; i++) await reference.put(RLP.encode(i), values[i]);
      expect(await orderedTrieRoot(values), `${size} values`).toBe(bytesToHex(reference.root()));
    }
  });

  it('returns to the empty root when every key is deleted', async () => {
    const store = new Map<string, Uint8Array>();
    const batch = new TrieBatch(EMPTY_TRIE_ROOT, (k) => store.get(k));
    const keys = [Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4), Uint8Array.of(1, 3), Uint8Array.of(9)];
    for (const k of keys) await batch.put(k, Uint8Array.of(7, 7, 7));
    const root = batch.commit(store);
    expect(root).not.toBe(EMPTY_TRIE_ROOT);
    const again = new TrieBatch(root, (k) => store.get(k));
    for (const k of keys) await again.del(k);
    expect(again.commit(new Map())).toBe(EMPTY_TRIE_ROOT);
  });

  it('refuses to guess when a node is missing from the store', async () => {
    const store = new Map<string, Uint8Array>();
    const batch = new TrieBatch(EMPTY_TRIE_ROOT, (k) => store.get(k));
    for (let i = 0; i < 40; i++) await batch.put(Uint8Array.of(i, i, i), new Uint8Array(40).fill(i));
    const root = batch.commit(store);
    const someKey = [...store.keys()].find((k) => `0x${k}` !== root) as string;
    store.delete(someKey);
    const reader = new TrieBatch(root, (k) => store.get(k));
    await expect(async () => {
      for (let i = 0; i < 40; i++) await reader.get(Uint8Array.of(i, i, i));
    }).rejects.toThrow(`missing trie node ${someKey}`);
  });
});
