import { EMPTY_ROLLING_HASH } from '../bridge/priorityOps.ts';
import { type Withdrawal, ZERO_HASH } from '../bridge/withdrawals.ts';
import type { ChainConfig } from '../chain/config.ts';
import type { Hex } from '../chain/hex.ts';
import { keccakHex } from '../chain/keccak.ts';
import type { RpcBlockHeader } from '../chain/types.ts';
import type { SqlPort } from '../storage/sql.ts';
import { encodeBatchData } from './batchData.ts';
import { type BatchCommitment, batchHash } from './commitment.ts';
import { storeWithdrawalTree, withdrawalTree } from './withdrawalTree.ts';

/** A withdrawal with the L2 transaction that made it (what a claimant looks it up by). */
export interface BlockWithdrawal extends Withdrawal {
  txHash: Hex;
}

/** What the batcher keeps of each sealed block. */
export interface BlockBatchInfo {
  block: number;
  /** encodeBlockData of the block: its share of the batch data. */
  data: Uint8Array;
  withdrawals: BlockWithdrawal[];
  priorityOps: number;
  /** The priority queue's rolling hash after the block. */
  rollingHash: Hex;
  timestamp: bigint;
  stateRoot: Hex;
  /** Wall-clock time of sealing, for closing batches by age. */
  sealedAt: number;
}

export interface StoredBatch {
  commitment: BatchCommitment;
  hash: Hex;
  /** The batch data as L1 receives it. */
  data: Uint8Array;
  closedAt: number;
}

const toJson = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));

function commitmentFromJson(s: string): BatchCommitment {
  const o = JSON.parse(s) as Record<keyof BatchCommitment, string>;
  return {
    batchNumber: BigInt(o.batchNumber),
    firstBlock: BigInt(o.firstBlock),
    lastBlock: BigInt(o.lastBlock),
    firstTimestamp: BigInt(o.firstTimestamp),
    lastTimestamp: BigInt(o.lastTimestamp),
    priorityOpsCount: BigInt(o.priorityOpsCount),
    prevStateRoot: o.prevStateRoot as Hex,
    newStateRoot: o.newStateRoot as Hex,
    txDataHash: o.txDataHash as Hex,
    priorityOpsRollingHash: o.priorityOpsRollingHash as Hex,
    withdrawalsRoot: o.withdrawalsRoot as Hex,
  };
}

/** The commitment of batch 0: the genesis state, no blocks after block 0, nothing consumed. */
export function genesisCommitment(genesis: Pick<RpcBlockHeader, 'stateRoot' | 'timestamp'>): BatchCommitment {
  return {
    batchNumber: 0n,
    firstBlock: 0n,
    lastBlock: 0n,
    firstTimestamp: BigInt(genesis.timestamp),
    lastTimestamp: BigInt(genesis.timestamp),
    priorityOpsCount: 0n,
    prevStateRoot: ZERO_HASH,
    newStateRoot: genesis.stateRoot,
    txDataHash: ZERO_HASH,
    priorityOpsRollingHash: EMPTY_ROLLING_HASH,
    withdrawalsRoot: ZERO_HASH,
  };
}

/**
 * Groups consecutive sealed blocks into batches and closes a batch when it holds
 * BATCH_MAX_BLOCKS blocks or BATCH_MAX_BYTES bytes of block data, or when its first block is
 * BATCH_MAX_AGE_MS old. Closing computes the commitment L1 will store and the (compressed) data
 * L1 will receive; both are kept so that every later step (proving, committing, claims) reads the
 * same bytes. Runs inside the sequencer's SQL transactions.
 */
export class Batcher {
  private readonly sql: SqlPort;
  private readonly config: ChainConfig;
  constructor(sql: SqlPort, config: ChainConfig) {
    this.sql = sql;
    this.config = config;
  }

  /** Stores batch 0 for the genesis block; call inside the genesis transaction. */
  initGenesis(genesis: RpcBlockHeader, nowMs: number): void {
    const c = genesisCommitment(genesis);
    this.sql.query(
      `INSERT OR IGNORE INTO batches (number, first_block, last_block, commitment, hash, data, closed_at) VALUES (0, 0, 0, ?, ?, ?, ?)`,
      toJson(c),
      batchHash(c),
      new Uint8Array(),
      nowMs,
    );
  }

  /** Records a sealed block, then closes the open batch if it is full. Inside the block's transaction. */
  record(info: BlockBatchInfo): StoredBatch | undefined {
    this.sql.query(
      `INSERT INTO block_data (block, data, withdrawals, priority_ops, rolling_hash, timestamp, state_root, sealed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      info.block,
      info.data,
      toJson(info.withdrawals),
      info.priorityOps,
      info.rollingHash,
      Number(info.timestamp),
      info.stateRoot,
      info.sealedAt,
    );
    const open = this.open();
    if (open && (open.blocks >= this.config.batchMaxBlocks || open.bytes >= this.config.batchMaxBytes)) return this.close(open.last, info.sealedAt);
    return undefined;
  }

  /** Closes the open batch if its first block is older than BATCH_MAX_AGE_MS. */
  closeIfDue(nowMs: number): StoredBatch | undefined {
    const open = this.open();
    if (!open || nowMs - open.firstSealedAt < this.config.batchMaxAgeMs) return undefined;
    return this.sql.transaction(() => this.close(open.last, nowMs));
  }

  /** When the open batch is due to close by age (ms since epoch), if there is one. */
  deadline(): number | undefined {
    const open = this.open();
    return open ? open.firstSealedAt + this.config.batchMaxAgeMs : undefined;
  }

  lastBatchNumber(): number {
    return this.sql.query<{ n: number }>(`SELECT MAX(number) AS n FROM batches`)[0].n;
  }

  private lastBatchRow(): { number: number; last_block: number; commitment: string } {
    return this.sql.query<{ number: number; last_block: number; commitment: string }>(
      `SELECT number, last_block, commitment FROM batches ORDER BY number DESC LIMIT 1`,
    )[0];
  }

  /** The blocks sealed since the last closed batch. */
  open(): { first: number; last: number; blocks: number; bytes: number; firstSealedAt: number } | undefined {
    const after = this.lastBatchRow().last_block;
    const row = this.sql.query<{ first: number | null; last: number | null; blocks: number; bytes: number | null; sealed: number | null }>(
      `SELECT MIN(block) AS first, MAX(block) AS last, COUNT(*) AS blocks, SUM(LENGTH(data)) AS bytes, MIN(sealed_at) AS sealed FROM block_data WHERE block > ?`,
      after,
    )[0];
    if (!row || row.first === null || row.last === null) return undefined;
    return { first: row.first, last: row.last, blocks: row.blocks, bytes: row.bytes ?? 0, firstSealedAt: row.sealed ?? 0 };
  }

  private close(lastBlock: number, nowMs: number): StoredBatch {
    const prev = this.lastBatchRow();
    const prevCommitment = commitmentFromJson(prev.commitment);
    const rows = this.sql.query<{
      block: number;
      data: Uint8Array;
      withdrawals: string;
      priority_ops: number;
      rolling_hash: Hex;
      timestamp: number;
      state_root: Hex;
    }>(
      `SELECT block, data, withdrawals, priority_ops, rolling_hash, timestamp, state_root FROM block_data WHERE block > ? AND block <= ? ORDER BY block`,
      prev.last_block,
      lastBlock,
    );
    const batchNumber = prevCommitment.batchNumber + 1n;
    const withdrawalsRoot = storeWithdrawalTree(
      this.sql,
      Number(batchNumber),
      rows.flatMap((r) => parseWithdrawals(r.withdrawals)),
    );
    const data = encodeBatchData(rows.map((r) => r.data));
    const last = rows[rows.length - 1];
    const commitment: BatchCommitment = {
      batchNumber,
      firstBlock: BigInt(rows[0].block),
      lastBlock: BigInt(last.block),
      firstTimestamp: BigInt(rows[0].timestamp),
      lastTimestamp: BigInt(last.timestamp),
      priorityOpsCount: BigInt(rows.reduce((n, r) => n + r.priority_ops, 0)),
      prevStateRoot: prevCommitment.newStateRoot,
      newStateRoot: last.state_root,
      txDataHash: keccakHex(data),
      priorityOpsRollingHash: last.rolling_hash,
      withdrawalsRoot,
    };
    const hash = batchHash(commitment);
    this.sql.query(
      `INSERT INTO batches (number, first_block, last_block, commitment, hash, data, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      Number(commitment.batchNumber),
      rows[0].block,
      last.block,
      toJson(commitment),
      hash,
      data,
      nowMs,
    );
    return { commitment, hash, data, closedAt: nowMs };
  }

  batch(number: number): StoredBatch | undefined {
    const row = this.sql.query<{ commitment: string; hash: Hex; data: Uint8Array; closed_at: number }>(
      `SELECT commitment, hash, data, closed_at FROM batches WHERE number = ?`,
      number,
    )[0];
    return row ? { commitment: commitmentFromJson(row.commitment), hash: row.hash, data: row.data, closedAt: row.closed_at } : undefined;
  }

  /** The closed batch holding `block`, if its batch is closed: one seek in batches_by_last_block. */
  batchOfBlock(block: number): number | undefined {
    const row = this.sql.query<{ number: number; first_block: number }>(
      `SELECT number, first_block FROM batches WHERE last_block >= ? ORDER BY last_block LIMIT 1`,
      block,
    )[0];
    return row && row.number > 0 && row.first_block <= block ? row.number : undefined;
  }

  /**
   * The shape and root of closed batch `batch`'s withdrawals tree (core/batches/withdrawalTree.ts).
   * Batches closed before trees were stored get theirs built and stored on first use, once.
   */
  withdrawalTree(batch: number): { leaves: number; depth: number; root: Hex } {
    const stored = withdrawalTree(this.sql, batch);
    if (stored) return stored;
    const { first_block, last_block } = this.sql.query<{ first_block: number; last_block: number }>(
      `SELECT first_block, last_block FROM batches WHERE number = ?`,
      batch,
    )[0];
    return this.sql.transaction(() => {
      storeWithdrawalTree(this.sql, batch, this.withdrawals(first_block, last_block));
      return withdrawalTree(this.sql, batch) as { leaves: number; depth: number; root: Hex };
    });
  }

  lastBlockOf(batch: number): number | undefined {
    return this.sql.query<{ last_block: number }>(`SELECT last_block FROM batches WHERE number = ?`, batch)[0]?.last_block;
  }

  /** Every withdrawal of a range of blocks, in order, with its block. */
  withdrawals(firstBlock: number, lastBlock: number): (BlockWithdrawal & { block: number })[] {
    return this.sql
      .query<{ block: number; withdrawals: string }>(
        `SELECT block, withdrawals FROM block_data WHERE block BETWEEN ? AND ? ORDER BY block`,
        firstBlock,
        lastBlock,
      )
      .flatMap((r) => parseWithdrawals(r.withdrawals).map((w) => ({ ...w, block: r.block })));
  }
}

function parseWithdrawals(s: string): BlockWithdrawal[] {
  return (JSON.parse(s) as Record<keyof BlockWithdrawal, string>[]).map((w) => ({
    id: BigInt(w.id),
    l2Sender: w.l2Sender as Hex,
    l1Recipient: w.l1Recipient as Hex,
    amount: BigInt(w.amount),
    txHash: w.txHash as Hex,
  }));
}
