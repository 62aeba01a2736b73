import { concatBytes } from '@ethereumjs/util';
import { encodeBlockData } from '../batches/batchData.ts';
import { Batcher, type StoredBatch } from '../batches/batcher.ts';
import { proveWithdrawals } from '../batches/withdrawalTree.ts';
import { depositTxHash } from '../bridge/depositTx.ts';
import { type PriorityOp, rollingHashOf } from '../bridge/priorityOps.ts';
import type { ChainConfig } from '../chain/config.ts';
import { formatSealedBlock, formatTransaction, sealHeader } from '../chain/format.ts';
import { encodeHeader } from '../chain/headerRlp.ts';
import { bytesToHex, type Hex, lower } from '../chain/hex.ts';
import { keccakHex } from '../chain/keccak.ts';
import type { RpcBlockHeader, RpcReceipt, RpcTransaction, SealedBlock } from '../chain/types.ts';
import { type ErrorObject, InvalidParamsError, ServerError, toErrorObject } from '../errors.ts';
import { gasPriceBaseFee, nextBaseFee } from '../execution/baseFee.ts';
import { ComputeMeter } from '../execution/computeBudget.ts';
import { type BlockEnv, Executor, executeBlock, materialize } from '../execution/executeBlock.ts';
import { type BlockTrace, claimsOf, encodeTrace } from '../proving/trace.ts';
import { collectWitness, RecordingNodeSource, RecordingReader } from '../proving/witness.ts';
import { SqlState } from '../state/sqlState.ts';
import { applyDiffToTrie } from '../state/stateTrie.ts';
import type { AccountRecord, StateDiff } from '../state/types.ts';
import { loadValue, storeValue } from '../storage/chunked.ts';
import { multiRow, run, type SqlPort } from '../storage/sql.ts';
import type { CheckedTransaction } from '../tx/decodeTransaction.ts';
import { type PoolContent, type PoolOptions, type PoolTx, TxPool } from '../txpool/pool.ts';
import { type Drop, DroppedTxs } from './droppedTxs.ts';
import { recordFeeSummary } from './feeHistory.ts';
import { buildGenesis } from './genesis.ts';
import { headersBetween } from './headers.ts';
import { Outbox, type OutboxEntry } from './outbox.ts';
import { PriorityQueue } from './priorityQueue.ts';
import { historyFloor } from './prune.ts';
import { ensureSchema, getMeta, setMeta } from './schema.ts';

export type SubmitResult = { hash: Hex } | { error: ErrorObject };

/**
 * What the outbox carries for one block: its state changes, for the D1 state shards. The block's
 * header, transactions and receipts go to the D1 index from the rows the sequencer already wrote
 * (BlockRows), so they are serialized once, at seal time.
 */
export interface IndexPayload {
  /** Account and storage values after the block, for the state shards. */
  accounts: [Hex, { nonce: string; balance: string; codeHash: Hex } | null][];
  storage: [Hex, Hex, Hex][];
  storageCleared: Hex[];
  codes: [Hex, Hex][];
}

/** A sealed block as the sequencer stored it: JSON strings, ready for the D1 index. */
export interface BlockRows {
  hash: Hex;
  header: string;
  txHashes: string;
  txs: { hash: Hex; tx: string; receipt: string }[];
}

/** Highest batch numbers in each L1 state, as the settlement worker last read them. */
export interface L1Progress {
  committed: number;
  proven: number;
  executed: number;
}

export interface WithdrawalProof {
  /** The closed batch holding the transaction's block; null when the transaction made no withdrawal. */
  batchNumber: number | null;
  withdrawalsRoot?: Hex;
  withdrawals: { id: bigint; l2Sender: Hex; l1Recipient: Hex; amount: bigint; leaf: Hex; index: number; proof: Hex[] }[];
  /** none: no withdrawal; closed: batch closed, not on L1 yet; committed; executed: claimable on L1. */
  status: 'none' | 'closed' | 'committed' | 'executed';
}

export type { OutboxEntry } from './outbox.ts';

/** A transaction the pool let go of without a block, and why. */
export interface PoolDrop {
  hash: Hex;
  reason: 'expired' | 'evicted';
}

export interface SealResult {
  header: RpcBlockHeader;
  included: Hex[];
  /** Transactions taken out of the pool without a block by this seal, with the reason recorded for each. */
  dropped: { hash: Hex; reason: string }[];
  /** With `seal(now, { trace: true })`: what a stateless prover needs to re-execute the block. */
  trace?: BlockTrace;
  /** Priority operations (deposits) the block applied. */
  priorityOps: PriorityOp[];
  /** The batch this block closed, if it filled one. */
  closedBatch?: StoredBatch;
}

/** What `rollup_getTransactionStatus` answers for a hash. */
export type TransactionStatus =
  | { status: 'pending' }
  | { status: 'included'; blockNumber: bigint; blockHash: Hex }
  | { status: 'dropped'; reason: string; droppedAt: number }
  | { status: 'unknown' };

/** A deposit as rollup_getDeposit reports it: its operation, its L2 transaction hash and the block that credited it. */
export interface DepositRecord extends PriorityOp {
  /** The deposit transaction's hash, fixed by the operation before any block holds it. */
  hash: Hex;
  /** The L2 block that credited it; null while it waits for one. */
  block: number | null;
  /** That block's hash, while the sequencer keeps the block (null once pruned: the D1 index has it). */
  blockHash: Hex | null;
}

/** Trace blobs are stored in parts of this size (rows are limited to 2 MB). */
const TRACE_PART_BYTES = 1024 * 1024;

/** Blocks never hold more transactions than this, whatever the gas allows. */
export const MAX_TXS_PER_BLOCK = 2000;
/**
 * ...nor more than this many bytes of signed transactions: a block's share of the batch data and
 * the batch itself must stay well under the 2 MB row limit of the Durable Object's SQLite.
 */
export const MAX_BLOCK_TX_BYTES = 512 * 1024;
/** Recent blocks kept for BLOCKHASH. */
const BLOCKHASH_WINDOW = 256n;

/**
 * The sequencer as plain logic over a synchronous SQL port: admits transactions durably, orders
 * and executes them into blocks, keeps the hot state and recent blocks, and queues every sealed
 * block in the outbox. The Durable Object (durable-objects/sequencer.ts) only schedules it.
 */
export class SequencerCore {
  readonly state: SqlState;
  readonly pool: TxPool;
  readonly priorityQueue: PriorityQueue;
  readonly batcher: Batcher;
  readonly dropped: DroppedTxs;
  readonly outbox: Outbox;
  private readonly executor: Executor;
  /** A block holds at most its gas limit in weighted gas (core/execution/computeBudget.ts). */
  private readonly compute: ComputeMeter;
  private headHeader!: RpcBlockHeader;
  private readonly recentHashes = new Map<bigint, Hex>();
  /** RLP of recent headers, filled as traces need them: a block reading old hashes re-encodes none. */
  private readonly recentHeaders = new Map<bigint, Uint8Array>();

  readonly sql: SqlPort;
  readonly config: ChainConfig;

  /** Record each block's trace for the proving pipeline (the Durable Object does; unit tests may not). */
  readonly recordTraces: boolean;

  constructor(sql: SqlPort, config: ChainConfig, opts: { recordTraces?: boolean; pool?: Omit<PoolOptions, 'lifetimeMs'> } = {}) {
    this.sql = sql;
    this.config = config;
    this.recordTraces = opts.recordTraces ?? false;
    this.state = new SqlState(sql);
    this.pool = new TxPool(sql, { ...opts.pool, lifetimeMs: config.txpoolLifetimeMs });
    this.priorityQueue = new PriorityQueue(sql);
    this.batcher = new Batcher(sql, config);
    this.dropped = new DroppedTxs(sql);
    this.outbox = new Outbox(sql);
    this.executor = new Executor(config);
    this.compute = new ComputeMeter(config.blockGasLimit);
  }

  /** Creates the schema and genesis on first start; restores the head and the pool on every start. */
  async init(nowMs = Date.now()): Promise<void> {
    ensureSchema(this.sql);
    if (this.sql.query(`SELECT 1 AS one FROM blocks WHERE number = 0`).length === 0) {
      const genesis = await buildGenesis(this.config);
      this.sql.transaction(() => {
        this.state.commit(genesis.diff, genesis.accounts, genesis.trieNodes, 0);
        const block = { header: genesis.header, transactions: [], receipts: [] };
        this.writeBlock(block);
        this.batcher.initGenesis(genesis.header, 0);
        this.writeIndexEntry(0, indexPayload(genesis.diff, genesis.accounts));
        setMeta(this.sql, 'chain_id', this.config.chainId.toString());
      });
    }
    const chainId = getMeta(this.sql, 'chain_id');
    if (chainId !== this.config.chainId.toString()) {
      throw new Error(`stored chain id ${chainId} differs from configured CHAIN_ID ${this.config.chainId}: refusing to start`);
    }
    this.headHeader = JSON.parse(this.sql.query<{ header: string }>(`SELECT header FROM blocks ORDER BY number DESC LIMIT 1`)[0].header);
    for (const row of this.sql.query<{ number: number; hash: Hex }>(`SELECT number, hash FROM blocks ORDER BY number DESC LIMIT ?`, Number(BLOCKHASH_WINDOW))) {
      this.recentHashes.set(BigInt(row.number), row.hash);
    }
    this.pool.load(nowMs);
  }

  head(): RpcBlockHeader {
    return this.headHeader;
  }

  get headNumber(): bigint {
    return BigInt(this.headHeader.number);
  }

  /** Base fee the next block will charge. */
  nextBaseFee(): bigint {
    const h = this.headHeader;
    return nextBaseFee(
      { number: BigInt(h.number), baseFeePerGas: BigInt(h.baseFeePerGas), gasUsed: BigInt(h.gasUsed), gasLimit: BigInt(h.gasLimit) },
      this.config.baseFeeFloor,
    );
  }

  /** What eth_gasPrice quotes before its tip (core/execution/baseFee.ts gasPriceBaseFee). */
  gasPriceBaseFee(): bigint {
    return gasPriceBaseFee({ baseFeePerGas: BigInt(this.headHeader.baseFeePerGas) }, this.nextBaseFee());
  }

  stateNonce(address: Hex): bigint {
    return this.state.account(address)?.nonce ?? 0n;
  }

  pendingNonce(address: Hex): bigint {
    return this.pool.pendingNonce(address, this.stateNonce(address));
  }

  /**
   * Admits edge-checked transactions. Each is validated against committed state and written to
   * SQLite; all of a call's admissions commit in one transaction, before the caller is answered.
   */
  submit(txs: CheckedTransaction[], nowMs = Date.now()): SubmitResult[] {
    const minBaseFee = this.nextBaseFee();
    return this.sql.transaction(() =>
      txs.map((t) => {
        try {
          if (t.gasLimit > this.config.blockGasLimit)
            throw new InvalidParamsError(`exceeds block gas limit: gas ${t.gasLimit}, limit ${this.config.blockGasLimit}`);
          const account = this.state.account(t.sender);
          const { evicted } = this.pool.admit(t, account?.nonce ?? 0n, account?.balance ?? 0n, minBaseFee, nowMs);
          if (evicted) this.poolDropped(evicted, 'evicted', `the pool is full and ${t.hash} pays more`, nowMs);
          return { hash: t.hash };
        } catch (e) {
          return { error: toErrorObject(e) };
        }
      }),
    );
  }

  /**
   * Drops the transactions that could not run for TXPOOL_LIFETIME_MS (a nonce gap, a max fee below
   * the base fee), so that they cannot hold pool slots forever; returns them with the reason.
   */
  expire(nowMs: number): PoolDrop[] {
    // Every seal asks: no SQL transaction until something can have expired.
    const due = this.pool.expiryDeadline();
    if (due === undefined || nowMs < due) return [];
    return this.sql.transaction(() => {
      const expired = this.pool.expire(nowMs, (s) => this.stateNonce(s), this.nextBaseFee());
      return expired.map((t) => this.poolDropped(t, 'expired', `it could not run for ${this.config.txpoolLifetimeMs} ms`, nowMs));
    });
  }

  /**
   * Every acknowledged transaction the pool lets go of without a block is reported here and
   * recorded with its reason (rollup_getTransactionStatus), inside the removal's SQL transaction.
   */
  private poolDropped(tx: PoolTx, reason: PoolDrop['reason'], detail: string, nowMs: number): PoolDrop {
    console.warn(`txpool: dropped ${tx.hash} (sender ${tx.sender}, nonce ${tx.nonce}): ${reason}, ${detail}`);
    this.dropped.record([{ hash: tx.hash, sender: tx.sender, nonce: tx.nonce, reason: `${reason}: ${detail}` }], nowMs);
    return { hash: tx.hash, reason };
  }

  /** Whether a block has work: transactions in the pool or deposits not yet applied. */
  hasPending(): boolean {
    return this.pool.size > 0 || this.priorityQueue.hasPending();
  }

  /** Hands over L1 priority operations (deposits) in queue order; returns how many were new. */
  addPriorityOps(ops: PriorityOp[]): number {
    return this.priorityQueue.add(ops);
  }

  /**
   * Seals one block from the pool: executes, computes the state root from the diff, and commits
   * state, block, pool removals and the outbox entry in one SQL transaction. Returns null when no
   * transaction could run.
   *
   * No transaction can stop sealing: one that fails to execute is dropped by executeBlock, and a
   * block that cannot be executed or stored as a whole is sealed again with the first half of its
   * transactions (a prefix keeps each sender's nonce order), down to one; a one-transaction block
   * that still fails drops that transaction with the error as its reason, and sealing starts over
   * without it. Every drop is recorded (DroppedTxs) with the pool removal, and the sender's nonce
   * is not consumed.
   */
  async seal(nowMs: number, opts: { trace?: boolean } = {}): Promise<SealResult | null> {
    this.expire(nowMs);
    const withTrace = opts.trace ?? this.recordTraces;
    const earlier: Drop[] = [];
    select: for (;;) {
      const { runnable, stale } = this.pool.select((s) => this.stateNonce(s), MAX_TXS_PER_BLOCK, this.nextBaseFee());
      // The rest waits for the next block (a suffix: each sender's transactions stay in nonce order).
      let bytes = 0;
      for (let i = 0; i < runnable.length; i++) {
        bytes += (runnable[i].raw.length - 2) / 2;
        if (bytes > MAX_BLOCK_TX_BYTES && i > 0) {
          runnable.length = i;
          break;
        }
      }
      const staleDrops = stale.map((t) => dropOf(t, `nonce too low: next nonce ${this.stateNonce(t.sender)}, tx nonce ${t.nonce}`));
      const priorityOps = this.priorityQueue.pending();
      if (runnable.length === 0 && priorityOps.length === 0) {
        this.drop(staleDrops, nowMs);
        return null;
      }
      let candidates = runnable;
      for (;;) {
        try {
          const pooled = this.pool.size;
          const sealed = await this.sealBlock(nowMs, candidates, staleDrops, priorityOps, withTrace);
          // A prefix whose transactions were all dropped sealed nothing: the rest may still run.
          if (!sealed && candidates.length < runnable.length && this.pool.size < pooled) continue select;
          if (sealed) sealed.dropped.unshift(...earlier.map((d) => ({ hash: d.hash, reason: d.reason })));
          return sealed;
        } catch (e) {
          if (candidates.length === 0) throw e;
          if (candidates.length > 1) {
            candidates = candidates.slice(0, candidates.length >> 1);
            continue;
          }
          const failed = dropOf(candidates[0], `could not be sealed: ${e instanceof Error ? e.message : String(e)}`);
          this.drop([failed], nowMs);
          earlier.push(failed);
          break;
        }
      }
    }
  }

  /** Executes `runnable` (and the pending deposits) into a block and commits it; throws, changing nothing, when it cannot. */
  private async sealBlock(nowMs: number, runnable: PoolTx[], stale: Drop[], priorityOps: PriorityOp[], withTrace: boolean): Promise<SealResult | null> {
    const parent = this.headHeader;
    const timestampFromClock = BigInt(Math.floor(nowMs / 1000));
    const parentTimestamp = BigInt(parent.timestamp);
    const env: BlockEnv = {
      number: BigInt(parent.number) + 1n,
      parentHash: parent.hash,
      timestamp: timestampFromClock > parentTimestamp ? timestampFromClock : parentTimestamp,
      baseFeePerGas: this.nextBaseFee(),
      gasLimit: this.config.blockGasLimit,
      coinbase: lower(this.config.feeRecipient),
      prevRandao: keccakHex(parent.hash),
    };
    // With a trace, record what the block reads: the witness a stateless prover needs.
    const reads = withTrace ? new RecordingReader(this.state) : undefined;
    const hashesRead = new Map<bigint, Hex>();
    const blockHash = (n: bigint) => {
      const h = this.recentHashes.get(n);
      if (h && withTrace) hashesRead.set(n, h);
      return h;
    };
    const exec = await executeBlock(this.config, env, { priorityOps, txs: runnable }, reads ?? this.state, blockHash, this.executor, this.compute);
    const byHash = new Map(runnable.map((t) => [t.hash, t]));
    const dropped = [...exec.outcomes.flatMap((o) => (o.status === 'dropped' ? [dropOf(byHash.get(o.hash) as PoolTx, o.reason)] : [])), ...stale];
    if (exec.included.length === 0 && priorityOps.length === 0) {
      this.drop(dropped, nowMs);
      return null;
    }
    const removed = [...exec.included.map((i) => i.hash), ...dropped.map((d) => d.hash)];
    const rollingBefore = this.priorityQueue.rollingHash();
    const rollingAfter = rollingHashOf(rollingBefore, priorityOps);
    const transactions = exec.included.map((i) => i.raw);
    const updateNodes = withTrace ? new RecordingNodeSource(this.state) : this.state;
    const update = await applyDiffToTrie(updateNodes, parent.stateRoot, exec.diff, (a) => this.state.account(a));
    const header = sealHeader(this.config.chainId, env, exec, update.stateRoot);
    let trace: BlockTrace | undefined;
    if (reads && updateNodes instanceof RecordingNodeSource) {
      const witness = await collectWitness(this.state, parent.stateRoot, reads, exec.diff);
      for (const [k, n] of updateNodes.nodes) witness.set(k, n);
      trace = {
        chainId: this.config.chainId,
        env,
        preStateRoot: parent.stateRoot,
        priorityOpsRollingHashBefore: rollingBefore,
        priorityOps,
        transactions,
        nodes: [...witness.values()],
        codes: [...reads.codes.values()],
        blockHashes: [...hashesRead],
        headers: this.ancestry(parent, hashesRead),
        claimed: claimsOf(header, exec.withdrawals),
      };
    }
    const traceBytes = trace ? encodeTrace(trace) : undefined;
    const block = formatSealedBlock(header, exec);
    const payload = indexPayload(exec.diff, update.accounts);
    const blockData = encodeBlockData({ number: env.number, timestamp: env.timestamp, priorityOps: BigInt(priorityOps.length), transactions });
    let closedBatch: StoredBatch | undefined;
    try {
      this.sql.transaction(() => {
        this.state.commit(exec.diff, update.accounts, update.nodes, Number(env.number));
        this.pool.remove(removed);
        this.dropped.record(dropped, nowMs);
        this.writeBlock(block);
        recordFeeSummary(this.sql, block);
        this.writeIndexEntry(Number(env.number), payload);
        if (traceBytes) this.storeTrace(Number(env.number), header.hash, traceBytes);
        this.priorityQueue.consume(priorityOps, Number(env.number), rollingAfter);
        closedBatch = this.batcher.record({
          block: Number(env.number),
          data: blockData,
          withdrawals: exec.withdrawals,
          priorityOps: priorityOps.length,
          rollingHash: rollingAfter,
          timestamp: env.timestamp,
          stateRoot: header.stateRoot,
          sealedAt: nowMs,
        });
      });
    } catch (e) {
      this.state.reset();
      throw e;
    }
    this.state.afterCommit(exec.diff, update.accounts, update.nodes);
    this.pool.afterRemove(removed);
    this.dropped.announce(dropped);
    this.headHeader = header;
    this.recentHashes.set(env.number, header.hash);
    this.recentHashes.delete(env.number - BLOCKHASH_WINDOW);
    this.recentHeaders.delete(env.number - BLOCKHASH_WINDOW);
    return {
      header,
      included: exec.included.map((i) => i.hash),
      dropped: dropped.map((d) => ({ hash: d.hash, reason: d.reason })),
      trace,
      priorityOps,
      closedBatch,
    };
  }

  /**
   * RLP of the parent header and its ancestors back to the oldest block whose hash the block read:
   * what the prover checks the block's environment and BLOCKHASH answers against. Without BLOCKHASH
   * reads that is the parent alone; BLOCKHASH reaches at most 256 blocks back, so at most 256.
   */
  private ancestry(parent: RpcBlockHeader, hashesRead: Map<bigint, Hex>): Uint8Array[] {
    const top = BigInt(parent.number);
    let oldest = top;
    for (const n of hashesRead.keys()) if (n < oldest) oldest = n;
    const cached = (n: bigint) => this.recentHeaders.get(n);
    if (!cached(top)) this.recentHeaders.set(top, encodeHeader(parent));
    // Those not encoded since the start (or ever) are read in one range and kept.
    let missing = top;
    while (missing >= oldest && cached(missing)) missing--;
    if (missing >= oldest) for (const h of headersBetween(this.sql, oldest, missing)) this.recentHeaders.set(BigInt(h.number), encodeHeader(h));
    const headers: Uint8Array[] = [];
    for (let n = top; n >= oldest; n--) {
      const h = cached(n);
      if (h) headers.push(h);
    }
    return headers;
  }

  /** Takes transactions out of the pool without a block, recording why. */
  private drop(drops: Drop[], nowMs: number): void {
    if (drops.length === 0) return;
    const hashes = drops.map((d) => d.hash);
    this.sql.transaction(() => {
      this.pool.remove(hashes);
      this.dropped.record(drops, nowMs);
    });
    this.pool.afterRemove(hashes);
    this.dropped.announce(drops);
  }

  private writeBlock(block: SealedBlock): void {
    const n = Number(BigInt(block.header.number));
    this.sql.query(
      `INSERT INTO blocks (number, hash, header, tx_hashes) VALUES (?, ?, ?, ?)`,
      n,
      block.header.hash,
      JSON.stringify(block.header),
      JSON.stringify(block.transactions.map((t) => t.hash)),
    );
    run(
      this.sql,
      multiRow(
        'INSERT INTO txs (hash, block, idx, tx, receipt)',
        block.transactions.map((tx, k) => [
          tx.hash,
          n,
          k,
          storeValue(this.sql, `tx:${tx.hash}`, JSON.stringify(tx)),
          storeValue(this.sql, `receipt:${tx.hash}`, JSON.stringify(block.receipts[k])),
        ]),
      ),
    );
  }

  /** The block's entry for the D1 index; its state changes can outgrow a row like a receipt can. */
  private writeIndexEntry(block: number, payload: IndexPayload): void {
    this.sql.query(`INSERT INTO outbox (kind, block, payload) VALUES ('index', ?, ?)`, block, storeValue(this.sql, `outbox:${block}`, JSON.stringify(payload)));
  }

  private storeTrace(block: number, blockHash: Hex, bytes: Uint8Array): void {
    for (let part = 0; part * TRACE_PART_BYTES < bytes.length; part++) {
      this.sql.query(
        `INSERT OR REPLACE INTO traces (block, part, bytes) VALUES (?, ?, ?)`,
        block,
        part,
        bytes.subarray(part * TRACE_PART_BYTES, (part + 1) * TRACE_PART_BYTES),
      );
    }
    this.sql.query(`INSERT INTO outbox (kind, block, payload) VALUES ('trace', ?, ?)`, block, JSON.stringify({ blockHash, traceHash: keccakHex(bytes) }));
  }

  /** A stored trace blob, reassembled from its parts. */
  traceBlob(block: number): Uint8Array | undefined {
    const parts = this.sql.query<{ bytes: Uint8Array }>(`SELECT bytes FROM traces WHERE block = ? ORDER BY part`, block);
    if (parts.length === 0) return undefined;
    return concatBytes(...parts.map((p) => p.bytes));
  }

  /** Once the blob is in R2, the local copy goes (inside the outbox acknowledgement). */
  dropTrace(block: number): void {
    this.sql.query(`DELETE FROM traces WHERE block = ?`, block);
  }

  // ---- reads -------------------------------------------------------------------------------

  /** The stored rows of a sealed block, for the D1 index. */
  blockRows(number: number): BlockRows | undefined {
    const b = this.sql.query<{ hash: Hex; header: string; tx_hashes: string }>(`SELECT hash, header, tx_hashes FROM blocks WHERE number = ?`, number)[0];
    if (!b) return undefined;
    const txs = this.sql
      .query<{ hash: Hex; tx: string; receipt: string }>(`SELECT hash, tx, receipt FROM txs WHERE block = ? ORDER BY idx`, number)
      .map((t) => ({ hash: t.hash, tx: loadValue(this.sql, t.tx), receipt: loadValue(this.sql, t.receipt) }));
    return { hash: b.hash, header: b.header, txHashes: b.tx_hashes, txs };
  }

  blockNumberByHash(hash: Hex): bigint | undefined {
    const row = this.sql.query<{ number: number }>(`SELECT number FROM blocks WHERE hash = ?`, lower(hash))[0];
    return row ? BigInt(row.number) : undefined;
  }

  block(number: bigint, fullTransactions: boolean): (RpcBlockHeader & { transactions: (Hex | RpcTransaction)[] }) | null {
    const row = this.sql.query<{ header: string; tx_hashes: string }>(`SELECT header, tx_hashes FROM blocks WHERE number = ?`, Number(number))[0];
    if (!row) return null;
    const header = JSON.parse(row.header) as RpcBlockHeader;
    const transactions = fullTransactions
      ? this.sql
          .query<{ tx: string }>(`SELECT tx FROM txs WHERE block = ? ORDER BY idx`, Number(number))
          .map((r) => JSON.parse(loadValue(this.sql, r.tx)) as RpcTransaction)
      : (JSON.parse(row.tx_hashes) as Hex[]);
    return { ...header, transactions };
  }

  /** Null beyond the head and for a block pruned from the sequencer (core/sequencer/prune.ts): D1 holds it. */
  blockReceipts(number: bigint): RpcReceipt[] | null {
    if (number > this.headNumber) return null;
    if (number > 0n && number < BigInt(historyFloor(this.sql))) return null;
    return this.sql
      .query<{ receipt: string }>(`SELECT receipt FROM txs WHERE block = ? ORDER BY idx`, Number(number))
      .map((r) => JSON.parse(loadValue(this.sql, r.receipt)));
  }

  receipt(hash: Hex): RpcReceipt | null {
    const row = this.sql.query<{ receipt: string }>(`SELECT receipt FROM txs WHERE hash = ?`, lower(hash))[0];
    return row ? JSON.parse(loadValue(this.sql, row.receipt)) : null;
  }

  /** A mined transaction, or a pending one from the pool (with null block fields). */
  transaction(hash: Hex): RpcTransaction | null {
    const h = lower(hash);
    const row = this.sql.query<{ tx: string }>(`SELECT tx FROM txs WHERE hash = ?`, h)[0];
    if (row) return JSON.parse(loadValue(this.sql, row.tx));
    const pending = this.pool.get(h);
    if (!pending) return null;
    return formatTransaction(materialize(pending, this.config.chainId), pending.hash, pending.sender, null);
  }

  /** The pool's transactions for txpool_*: counts of all, at most `limit` listed (core/txpool/pool.ts content). */
  txpoolContent(limit: number, sender?: Hex): PoolContent {
    return this.pool.content((s) => this.stateNonce(s), { limit, sender: sender === undefined ? undefined : lower(sender) });
  }

  /** Where an acknowledged transaction ended: in a block, still in the pool, or dropped with its reason. */
  transactionStatus(hash: Hex): TransactionStatus {
    const h = lower(hash);
    const row = this.sql.query<{ block: number; hash: Hex }>(`SELECT t.block, b.hash FROM txs t JOIN blocks b ON b.number = t.block WHERE t.hash = ?`, h)[0];
    if (row) return { status: 'included', blockNumber: BigInt(row.block), blockHash: row.hash };
    if (this.pool.get(h)) return { status: 'pending' };
    const dropped = this.dropped.get(h);
    return dropped ? { status: 'dropped', ...dropped } : { status: 'unknown' };
  }

  account(address: Hex): AccountRecord | undefined {
    return this.state.account(lower(address));
  }

  /** A deposit by its priority-operation index or its L1 transaction hash: indexed point lookups. */
  deposit(key: { index: bigint } | { l1TxHash: Hex }): DepositRecord | null {
    const op = this.priorityQueue.find(key);
    if (!op) return null;
    const blockHash = op.block === null ? null : (this.sql.query<{ hash: Hex }>(`SELECT hash FROM blocks WHERE number = ?`, op.block)[0]?.hash ?? null);
    return { ...op, hash: depositTxHash(op), blockHash };
  }

  // ---- batches and L1 ------------------------------------------------------------------------

  /** Records what the settlement worker last read from the L1 contract (drives `safe`/`finalized`). */
  setL1Progress(p: L1Progress): void {
    setMeta(this.sql, 'l1_progress', JSON.stringify(p));
  }

  l1Progress(): L1Progress {
    const raw = getMeta(this.sql, 'l1_progress');
    return raw ? (JSON.parse(raw) as L1Progress) : { committed: 0, proven: 0, executed: 0 };
  }

  /** The last block of the highest batch in an L1 state: `safe` (committed) or `finalized` (executed). */
  taggedBlock(tag: 'safe' | 'finalized'): bigint {
    const p = this.l1Progress();
    return BigInt(this.batcher.lastBlockOf(tag === 'safe' ? p.committed : p.executed) ?? 0);
  }

  /**
   * What a claim on L1 needs for the withdrawals an L2 transaction made: per withdrawal, its leaf,
   * its batch, its index in the batch's tree and the Merkle proof. Null when the transaction is
   * unknown; throws while its batch is not closed yet. Reads the batch's stored tree: a few seeks
   * plus one per tree level and withdrawal (core/batches/withdrawalTree.ts).
   */
  withdrawalProof(txHash: Hex): WithdrawalProof | null {
    // A pruned transaction's withdrawals are still found in its batch's stored tree (core/sequencer/prune.ts).
    const row =
      this.sql.query<{ block: number }>(`SELECT block FROM txs WHERE hash = ?`, lower(txHash))[0] ??
      this.sql.query<{ block: number }>(
        `SELECT b.first_block AS block FROM withdrawal_leaves l JOIN batches b ON b.number = l.batch WHERE l.tx_hash = ? LIMIT 1`,
        lower(txHash),
      )[0];
    if (!row) return null;
    const batch = this.batcher.batchOfBlock(row.block);
    const mine = (list: { txHash: Hex }[]) => list.some((w) => w.txHash === lower(txHash));
    if (batch === undefined) {
      if (!mine(this.batcher.withdrawals(row.block, row.block))) return { batchNumber: null, withdrawals: [], status: 'none' };
      throw new ServerError(`the batch holding block ${row.block} is not closed yet: retry later`);
    }
    const tree = this.batcher.withdrawalTree(batch);
    const withdrawals = proveWithdrawals(this.sql, batch, tree.depth, txHash).map(({ txHash: _, ...w }) => w);
    const p = this.l1Progress();
    const status = withdrawals.length === 0 ? 'none' : batch <= p.executed ? 'executed' : batch <= p.committed ? 'committed' : 'closed';
    return { batchNumber: batch, withdrawalsRoot: tree.root, withdrawals, status };
  }

  // ---- outbox ------------------------------------------------------------------------------

  /** The oldest entries due (core/sequencer/outbox.ts: a failed entry goes alone, set-aside ones wait). */
  outboxPending(limit: number, maxChars: number, now = Date.now()): OutboxEntry[] {
    return this.outbox.pending(limit, maxChars, now);
  }

  outboxDone(ids: number[]): void {
    this.outbox.done(ids);
  }

  outboxFailed(entry: OutboxEntry, error: string, now = Date.now()): void {
    this.outbox.failed(entry, error, now);
  }

  outboxSize(): number {
    return this.outbox.size();
  }
}

function dropOf(t: PoolTx, reason: string): Drop {
  return { hash: t.hash, sender: t.sender, nonce: t.nonce, reason };
}

function indexPayload(diff: StateDiff, accounts: Map<Hex, AccountRecord | null>): IndexPayload {
  const storage: [Hex, Hex, Hex][] = [];
  for (const [address, slots] of diff.storage) for (const [slot, value] of slots) storage.push([address, slot, value]);
  return {
    accounts: [...accounts].map(([a, r]) => [a, r ? { nonce: r.nonce.toString(), balance: r.balance.toString(), codeHash: r.codeHash } : null]),
    storage,
    storageCleared: [...diff.storageCleared],
    codes: [...diff.codes].map(([h, c]) => [h, bytesToHex(c)]),
  };
}
