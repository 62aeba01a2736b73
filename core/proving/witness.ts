import { type Hex, hexToBytes } from '../chain/hex.ts';
import { BufferedTrieDb, decodeAccount, openTrie, type TrieNodeSource } from '../state/stateTrie.ts';
import { type AccountRecord, EMPTY_TRIE_ROOT, type StateDiff, type StateReader } from '../state/types.ts';

/** A StateReader that remembers every account, slot and code a block read from the pre-state. */
export class RecordingReader implements StateReader {
  readonly accounts = new Set<Hex>();
  readonly slots = new Map<Hex, Set<Hex>>();
  readonly codes = new Map<Hex, Uint8Array>();
  private readonly base: StateReader;

  constructor(base: StateReader) {
    this.base = base;
  }

  account(address: Hex) {
    this.accounts.add(address);
    return this.base.account(address);
  }

  storage(address: Hex, slot: Hex) {
    let set = this.slots.get(address);
    if (!set) {
      set = new Set();
      this.slots.set(address, set);
    }
    set.add(slot);
    return this.base.storage(address, slot);
  }

  async code(codeHash: Hex) {
    const code = await this.base.code(codeHash);
    if (code) this.codes.set(codeHash, code);
    return code;
  }
}

/** A trie node source that remembers every node it served. */
export class RecordingNodeSource implements TrieNodeSource {
  readonly nodes = new Map<string, Uint8Array>();
  private readonly base: TrieNodeSource;

  constructor(base: TrieNodeSource) {
    this.base = base;
  }

  async node(key: string) {
    const n = await this.base.node(key);
    if (n) this.nodes.set(key, n);
    return n;
  }
}

/**
 * The trie nodes a stateless verifier needs: the paths to every account and slot the block read or
 * wrote, at the pre-state root. Nodes the trie update itself reads (siblings when a branch
 * collapses) are recorded separately by the sequencer and added to these.
 */
export async function collectWitness(source: TrieNodeSource, preStateRoot: Hex, reads: RecordingReader, diff: StateDiff): Promise<Map<string, Uint8Array>> {
  const recorder = new RecordingNodeSource(source);
  const db = new BufferedTrieDb(recorder);
  const stateTrie = openTrie(db, preStateRoot);
  const slots = new Map<Hex, Set<Hex>>(reads.slots);
  for (const [address, changed] of diff.storage) {
    const set = new Set(slots.get(address) ?? []);
    for (const slot of changed.keys()) set.add(slot);
    slots.set(address, set);
  }
  const addresses = new Set<Hex>([...reads.accounts, ...diff.accounts.keys(), ...slots.keys(), ...diff.storageCleared]);
  const pre = new Map<Hex, AccountRecord | undefined>();
  for (const address of addresses) {
    const raw = await stateTrie.get(hexToBytes(address));
    pre.set(address, raw ? decodeAccount(raw) : undefined);
  }
  for (const [address, set] of slots) {
    const root = pre.get(address)?.storageRoot ?? EMPTY_TRIE_ROOT;
    if (root === EMPTY_TRIE_ROOT) continue;
    const storageTrie = openTrie(db, root);
    for (const slot of set) await storageTrie.get(hexToBytes(slot));
  }
  return recorder.nodes;
}
