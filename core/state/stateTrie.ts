import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { Account, type BatchDBOp, type DB, ValueEncoding } from '@ethereumjs/util';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';
import { secureKey, TrieBatch } from './mpt.ts';
import { type AccountRecord, EMPTY_TRIE_ROOT, type StateDiff } from './types.ts';

/** Where committed trie nodes live, keyed by node hash (unprefixed hex, as EthereumJS keys them). */
export interface TrieNodeSource {
  node(key: string): Uint8Array | undefined | Promise<Uint8Array | undefined>;
}

/**
 * EthereumJS trie database over committed nodes plus an in-memory write buffer, for the reads that
 * still go through the EthereumJS trie (eth_getProof, past state, the witness); updates go through
 * TrieBatch (mpt.ts). Nodes are content-addressed and shared between roots; only trie pruning
 * (core/sequencer/prune.ts) deletes them, never one a kept root reaches.
 */
export class BufferedTrieDb implements DB<string, Uint8Array> {
  readonly pending = new Map<string, Uint8Array>();
  private readonly source: TrieNodeSource;
  constructor(source: TrieNodeSource) {
    this.source = source;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.pending.get(key) ?? (await this.source.node(key));
  }
  async put(key: string, val: Uint8Array): Promise<void> {
    this.pending.set(key, val);
  }
  async del(): Promise<void> {
    // Content-addressed nodes may be shared between roots: never delete.
  }
  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === 'put') this.pending.set(op.key, op.value);
  }
  shallowCopy(): DB<string, Uint8Array> {
    return this;
  }
  async open(): Promise<void> {}
}

export function openTrie(db: DB<string, Uint8Array>, root: Hex): MerklePatriciaTrie {
  return new MerklePatriciaTrie({
    db,
    root: hexToBytes(root),
    useKeyHashing: true,
    valueEncoding: ValueEncoding.Bytes,
  });
}

export function encodeAccount(r: AccountRecord): Uint8Array {
  return new Account(r.nonce, r.balance, hexToBytes(r.storageRoot), hexToBytes(r.codeHash)).serialize();
}

export function decodeAccount(raw: Uint8Array): AccountRecord {
  const [nonce, balance, storageRoot, codeHash] = RLP.decode(raw) as Uint8Array[];
  const big = (b: Uint8Array) => (b.length === 0 ? 0n : BigInt(bytesToHex(b)));
  return { nonce: big(nonce), balance: big(balance), storageRoot: bytesToHex(storageRoot), codeHash: bytesToHex(codeHash) };
}

export interface TrieUpdate {
  stateRoot: Hex;
  /** Final records (with recomputed storage roots) of every account the block changed. */
  accounts: Map<Hex, AccountRecord | null>;
  /** The trie nodes the update created, keyed as the store keys them. */
  nodes: Map<string, Uint8Array>;
}

/**
 * Applies one block's flat diff to the Merkle-Patricia state trie (decision 6: flat state for
 * execution, the trie updated once per block from the diff). Each storage trie and then the state
 * trie are changed as one batch, so every changed node is hashed once (core/state/mpt.ts).
 */
export async function applyDiffToTrie(
  source: TrieNodeSource,
  prevRoot: Hex,
  diff: StateDiff,
  committedAccount: (address: Hex) => AccountRecord | undefined | Promise<AccountRecord | undefined>,
): Promise<TrieUpdate> {
  const load = (key: string) => source.node(key);
  const nodes = new Map<string, Uint8Array>();
  const stateTrie = new TrieBatch(prevRoot, load);
  const touched = new Set<Hex>([...diff.accounts.keys(), ...diff.storage.keys(), ...diff.storageCleared]);
  const accounts = new Map<Hex, AccountRecord | null>();
  for (const address of touched) {
    const changed = diff.accounts.get(address);
    const committed = await committedAccount(address);
    if (changed === null) {
      await stateTrie.del(secureKey(address));
      accounts.set(address, null);
      continue;
    }
    const record = changed ?? committed;
    if (!record) continue;
    let storageRoot = diff.storageCleared.has(address) ? EMPTY_TRIE_ROOT : (committed?.storageRoot ?? EMPTY_TRIE_ROOT);
    const slots = diff.storage.get(address);
    if (slots || diff.storageCleared.has(address)) {
      const storageTrie = new TrieBatch(storageRoot, load);
      for (const [slot, value] of slots ?? []) {
        if (value === '0x') await storageTrie.del(secureKey(slot));
        else await storageTrie.put(secureKey(slot), RLP.encode(hexToBytes(value)));
      }
      storageRoot = storageTrie.commit(nodes);
    }
    const final = { ...record, storageRoot };
    accounts.set(address, final);
    await stateTrie.put(secureKey(address), encodeAccount(final));
  }
  return { stateRoot: stateTrie.commit(nodes), accounts, nodes };
}
