import type { Hex } from '../chain/hex.ts';
import { multiRow, run, type SqlPort, type SqlValue, whereIn } from '../storage/sql.ts';
import type { TrieNodeSource } from './stateTrie.ts';
import type { AccountRecord, StateDiff, StateReader } from './types.ts';

/** Bounded memo: cleared wholesale when full, which keeps it simple and its memory capped. */
class Memo<K, V> extends Map<K, V> {
  private readonly cap: number;
  constructor(cap: number) {
    super();
    this.cap = cap;
  }
  remember(k: K, v: V): V {
    if (this.size >= this.cap) this.clear();
    this.set(k, v);
    return v;
  }
}

/**
 * The sequencer's committed flat state in SQLite with an in-memory cache in front of it.
 * Reads are synchronous; writes happen only in `commit`, inside the block's SQL transaction.
 */
export class SqlState implements StateReader, TrieNodeSource {
  private readonly accounts = new Memo<Hex, AccountRecord | null>(100_000);
  private readonly slots = new Memo<string, Hex>(200_000);
  private readonly codes = new Memo<Hex, Uint8Array | null>(2_000);
  private readonly nodes = new Memo<string, Uint8Array | null>(200_000);

  private readonly sql: SqlPort;
  constructor(sql: SqlPort) {
    this.sql = sql;
  }

  account(address: Hex): AccountRecord | undefined {
    let r = this.accounts.get(address);
    if (r === undefined) {
      const row = this.sql.query<{ nonce: string; balance: string; code_hash: Hex; storage_root: Hex }>(
        `SELECT nonce, balance, code_hash, storage_root FROM accounts WHERE address = ?`,
        address,
      )[0];
      r = this.accounts.remember(
        address,
        row ? { nonce: BigInt(row.nonce), balance: BigInt(row.balance), codeHash: row.code_hash, storageRoot: row.storage_root } : null,
      );
    }
    return r ?? undefined;
  }

  storage(address: Hex, slot: Hex): Hex {
    const id = address + slot;
    let v = this.slots.get(id);
    if (v === undefined) {
      const row = this.sql.query<{ value: Hex }>(`SELECT value FROM storage WHERE address = ? AND slot = ?`, address, slot)[0];
      v = this.slots.remember(id, row?.value ?? '0x');
    }
    return v;
  }

  code(codeHash: Hex): Uint8Array | undefined {
    let c = this.codes.get(codeHash);
    if (c === undefined) {
      const row = this.sql.query<{ code: Uint8Array }>(`SELECT code FROM code WHERE hash = ?`, codeHash)[0];
      c = this.codes.remember(codeHash, row ? row.code : null);
    }
    return c ?? undefined;
  }

  node(key: string): Uint8Array | undefined {
    let n = this.nodes.get(key);
    if (n === undefined) {
      const row = this.sql.query<{ node: Uint8Array }>(`SELECT node FROM trie_nodes WHERE key = ?`, key)[0];
      n = this.nodes.remember(key, row ? row.node : null);
    }
    return n ?? undefined;
  }

  /**
   * Writes block `block`'s state changes. Call inside the block's SQL transaction. A trie node the
   * block writes again gets the block's number too: trie pruning keeps what later blocks wrote.
   */
  commit(diff: StateDiff, accounts: Map<Hex, AccountRecord | null>, trieNodes: Map<string, Uint8Array>, block: number): void {
    if (diff.storageCleared.size > 0) {
      run(this.sql, whereIn('DELETE FROM storage WHERE address IN', [...diff.storageCleared]));
      this.slots.clear();
    }
    const slotWrites: SqlValue[][] = [];
    for (const [address, slots] of diff.storage) {
      for (const [slot, value] of slots) {
        if (value === '0x') this.sql.query(`DELETE FROM storage WHERE address = ? AND slot = ?`, address, slot);
        else slotWrites.push([address, slot, value]);
      }
    }
    run(this.sql, multiRow('INSERT OR REPLACE INTO storage (address, slot, value)', slotWrites));
    const deleted = [...accounts].filter(([, r]) => r === null).map(([a]) => a);
    run(this.sql, whereIn('DELETE FROM accounts WHERE address IN', deleted));
    const live = [...accounts].flatMap(([a, r]) => (r ? [[a, r.nonce.toString(), r.balance.toString(), r.codeHash, r.storageRoot]] : []));
    run(this.sql, multiRow('INSERT OR REPLACE INTO accounts (address, nonce, balance, code_hash, storage_root)', live));
    run(this.sql, multiRow('INSERT OR IGNORE INTO code (hash, code)', [...diff.codes]));
    run(
      this.sql,
      multiRow(
        'INSERT INTO trie_nodes (key, node, block)',
        [...trieNodes].map(([k, n]) => [k, n, block]),
        ' ON CONFLICT (key) DO UPDATE SET block = excluded.block',
      ),
    );
  }

  /** After the transaction committed: make the cache agree with the new state. */
  afterCommit(diff: StateDiff, accounts: Map<Hex, AccountRecord | null>, trieNodes: Map<string, Uint8Array>): void {
    for (const [address, r] of accounts) this.accounts.remember(address, r);
    for (const [address, slots] of diff.storage) for (const [slot, value] of slots) this.slots.remember(address + slot, value);
    for (const [hash, code] of diff.codes) this.codes.remember(hash, code);
    for (const [key, node] of trieNodes) this.nodes.remember(key, node);
  }

  /** Forget everything cached (after a failed transaction rolled back). */
  reset(): void {
    this.accounts.clear();
    this.slots.clear();
    this.codes.clear();
    this.nodes.clear();
  }
}
