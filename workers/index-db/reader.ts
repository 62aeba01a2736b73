import type { ChainConfig } from '../../core/chain/config.ts';
import { type Hex, lower } from '../../core/chain/hex.ts';
import { shardOf } from '../../core/chain/shard.ts';
import type { RpcBlockHeader, RpcLog, RpcReceipt, RpcTransaction } from '../../core/chain/types.ts';
import { joinParts, type Pointer, pointerOf } from '../../core/storage/chunked.ts';
import { type Env, stateShards } from '../env.ts';

export type RpcBlock = RpcBlockHeader & { transactions: (Hex | RpcTransaction)[] };

export interface LogQuery {
  fromBlock: number;
  toBlock: number;
  addresses: Hex[];
  /** Per position: null matches anything, else any of the listed topics. */
  topics: (Hex[] | null)[];
  limit: number;
}

/**
 * For lookups whose caller asks the sequencer on a miss: any D1 failure is a miss. D1 answers
 * "no such table" until the first block is flushed, and a read can fail transiently; either way
 * the sequencer, which holds every block, answers instead.
 */
async function orMiss<T>(q: () => Promise<T>, miss: T): Promise<T> {
  try {
    return await q();
  } catch (e) {
    if (!/no such table/i.test(String(e))) console.warn('D1 read failed, asking the sequencer instead:', String(e));
    return miss;
  }
}

/**
 * For reads where "absent" is a valid answer (an account, a slot, logs): only a missing table is
 * treated as empty; other failures are thrown, so that an error is never taken for absence. The
 * RPC layer then asks the sequencer (RpcContext.indexed).
 */
async function orEmpty<T>(q: () => Promise<T>, empty: T): Promise<T> {
  try {
    return await q();
  } catch (e) {
    if (/no such table/i.test(String(e))) return empty;
    throw e;
  }
}

/** Parts fetched per query when reassembling long values: one response stays within a few MB. */
const PARTS_PER_QUERY = 8;

/** Reads of the chain index and state shards in D1, the read path that scales at the edge. */
export class IndexReader {
  private readonly env: Env;
  private readonly config: ChainConfig;

  constructor(env: Env, config: ChainConfig) {
    this.env = env;
    this.config = config;
  }

  private get db() {
    return this.env.INDEX_DB;
  }

  /** Column values with every pointer replaced by its value, reassembled from value_parts. */
  private async resolve(columns: string[]): Promise<string[]> {
    const pointers = columns.map(pointerOf);
    const wanted = new Map<string, Pointer>();
    for (const p of pointers) if (p) wanted.set(p.key, p);
    const texts = new Map<string, string[]>();
    let keys: string[] = [];
    let count = 0;
    const fetch = async () => {
      const rows = await this.db
        .prepare(`SELECT key, text FROM value_parts WHERE key IN (${keys.map(() => '?').join(', ')}) ORDER BY key, part`)
        .bind(...keys)
        .all<{ key: string; text: string }>();
      for (const r of rows.results) texts.set(r.key, [...(texts.get(r.key) ?? []), r.text]);
      keys = [];
      count = 0;
    };
    for (const p of wanted.values()) {
      if (keys.length > 0 && (count + p.count > PARTS_PER_QUERY || keys.length === 100)) await fetch();
      keys.push(p.key);
      count += p.count;
    }
    if (keys.length > 0) await fetch();
    return columns.map((c, i) => {
      const p = pointers[i];
      return p ? joinParts(p, texts.get(p.key) ?? []) : c;
    });
  }

  /** Highest block whose index and state rows are all in D1, or -1 before the first flush. */
  async indexedHead(): Promise<number> {
    return orMiss(async () => (await this.db.prepare(`SELECT number FROM indexed_head WHERE id = 0`).first<{ number: number }>())?.number ?? -1, -1);
  }

  /**
   * Highest proven block, proofs, refused jobs and dead letters (-1, 0, 0, 0 before any); throws
   * when D1 fails. Two rows read: the counts kept by the prover and the last row of block_proofs.
   */
  async provingStatus(): Promise<{ provenHead: number; proofs: number; failures: number; deadLetters: number }> {
    return orEmpty(
      async () => {
        const row = await this.db
          .prepare(`SELECT proofs, failures, dead_letters, (SELECT MAX(block) FROM block_proofs) AS head FROM proving_counts WHERE id = 0`)
          .first<{ proofs: number; failures: number; dead_letters: number; head: number | null }>();
        if (!row) return { provenHead: -1, proofs: 0, failures: 0, deadLetters: 0 };
        return { provenHead: row.head ?? -1, proofs: row.proofs, failures: row.failures, deadLetters: row.dead_letters };
      },
      { provenHead: -1, proofs: 0, failures: 0, deadLetters: 0 },
    );
  }

  private async withTransactions(row: { number: number; header: string; tx_hashes: string } | null, full: boolean): Promise<RpcBlock | null> {
    if (!row) return null;
    const header = JSON.parse(row.header) as RpcBlockHeader;
    if (!full) return { ...header, transactions: JSON.parse(row.tx_hashes) };
    const txs = await this.db.prepare(`SELECT tx FROM txs WHERE block = ? ORDER BY idx`).bind(row.number).all<{ tx: string }>();
    return { ...header, transactions: (await this.resolve(txs.results.map((r) => r.tx))).map((tx) => JSON.parse(tx)) };
  }

  async blockByNumber(n: number, full: boolean): Promise<RpcBlock | null> {
    return orMiss(
      async () => this.withTransactions(await this.db.prepare(`SELECT number, header, tx_hashes FROM blocks WHERE number = ?`).bind(n).first(), full),
      null,
    );
  }

  /** A block's header; null when the index does not hold it; throws when D1 fails (no silent miss). */
  async header(n: number): Promise<RpcBlockHeader | null> {
    return orEmpty(async () => {
      const row = await this.db.prepare(`SELECT header FROM blocks WHERE number = ?`).bind(n).first<{ header: string }>();
      return row ? (JSON.parse(row.header) as RpcBlockHeader) : null;
    }, null);
  }

  async blockByHash(hash: Hex, full: boolean): Promise<RpcBlock | null> {
    return orMiss(
      async () => this.withTransactions(await this.db.prepare(`SELECT number, header, tx_hashes FROM blocks WHERE hash = ?`).bind(lower(hash)).first(), full),
      null,
    );
  }

  async transaction(hash: Hex): Promise<RpcTransaction | null> {
    return orMiss(async () => {
      const row = await this.db.prepare(`SELECT tx FROM txs WHERE hash = ?`).bind(lower(hash)).first<{ tx: string }>();
      return row ? (JSON.parse((await this.resolve([row.tx]))[0]) as RpcTransaction) : null;
    }, null);
  }

  async receipt(hash: Hex): Promise<RpcReceipt | null> {
    return orMiss(async () => {
      const row = await this.db.prepare(`SELECT receipt FROM txs WHERE hash = ?`).bind(lower(hash)).first<{ receipt: string }>();
      return row ? (JSON.parse((await this.resolve([row.receipt]))[0]) as RpcReceipt) : null;
    }, null);
  }

  async blockReceipts(n: number): Promise<RpcReceipt[]> {
    return orMiss(async () => {
      const rows = await this.db.prepare(`SELECT receipt FROM txs WHERE block = ? ORDER BY idx`).bind(n).all<{ receipt: string }>();
      return (await this.resolve(rows.results.map((r) => r.receipt))).map((r) => JSON.parse(r) as RpcReceipt);
    }, []);
  }

  /**
   * Logs in a block range of indexed blocks; returns limit + 1 rows at most so the caller can tell
   * it overflowed. The filter's limits (core/chain/logFilter.ts) keep the statement within D1's 100
   * bound parameters. Every failure is thrown: the caller asks only for blocks the index holds,
   * so even a missing table is a failure, never an empty answer.
   */
  async logs(q: LogQuery): Promise<RpcLog[]> {
    const where = ['block BETWEEN ? AND ?'];
    const params: (string | number)[] = [q.fromBlock, q.toBlock];
    if (q.addresses.length > 0) {
      where.push(`address IN (${q.addresses.map(() => '?').join(', ')})`);
      params.push(...q.addresses.map(lower));
    }
    q.topics.forEach((alternatives, i) => {
      if (!alternatives || alternatives.length === 0) return;
      where.push(`topic${i} IN (${alternatives.map(() => '?').join(', ')})`);
      params.push(...alternatives.map(lower));
    });
    const rows = await this.db
      .prepare(`SELECT log FROM logs WHERE ${where.join(' AND ')} ORDER BY block, log_index LIMIT ?`)
      .bind(...params, q.limit + 1)
      .all<{ log: string }>();
    return (await this.resolve(rows.results.map((r) => r.log))).map((l) => JSON.parse(l) as RpcLog);
  }

  private shard(key: Hex): D1Database {
    const shards = stateShards(this.env, this.config.stateShards);
    return shards[shardOf(lower(key), shards.length)];
  }

  /** Account fields at a block the index has reached. */
  async account(address: Hex, block: number): Promise<{ nonce: bigint; balance: bigint; codeHash: Hex } | null> {
    return orEmpty(async () => {
      const row = await this.shard(address)
        .prepare(`SELECT nonce, balance, code_hash, deleted FROM accounts WHERE address = ? AND block <= ? ORDER BY block DESC LIMIT 1`)
        .bind(lower(address), block)
        .first<{ nonce: string; balance: string; code_hash: Hex; deleted: number }>();
      if (!row || row.deleted) return null;
      return { nonce: BigInt(row.nonce), balance: BigInt(row.balance), codeHash: row.code_hash };
    }, null);
  }

  async code(codeHash: Hex): Promise<Hex | null> {
    return orEmpty(
      async () => (await this.shard(codeHash).prepare(`SELECT code FROM code WHERE hash = ?`).bind(codeHash).first<{ code: Hex }>())?.code ?? null,
      null,
    );
  }

  async storage(address: Hex, slot: Hex, block: number): Promise<Hex> {
    return orEmpty(async () => {
      const a = lower(address);
      const row = await this.shard(a)
        .prepare(
          `SELECT value FROM storage WHERE address = ?1 AND slot = ?2 AND block <= ?3
             AND block >= COALESCE((SELECT MAX(block) FROM storage_wipes WHERE address = ?1 AND block <= ?3), 0)
           ORDER BY block DESC LIMIT 1`,
        )
        .bind(a, lower(slot), block)
        .first<{ value: Hex }>();
      return row?.value ?? '0x';
    }, '0x');
  }
}
