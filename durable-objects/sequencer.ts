import { DurableObject } from 'cloudflare:workers';
import type { PriorityOp } from '../core/bridge/priorityOps.ts';
import { type ChainConfig, parseChainConfig } from '../core/chain/config.ts';
import type { Hex } from '../core/chain/hex.ts';
import type { LogFilter } from '../core/chain/logFilter.ts';
import type { RpcLog, RpcReceipt, RpcTransaction } from '../core/chain/types.ts';
import { type ErrorObject, type Outcome, outcome, toErrorObject } from '../core/errors.ts';
import { type ProvingJob, QUEUE_BATCH_MAX, traceKey } from '../core/proving/job.ts';
import { type FeeHistory, feeHistory } from '../core/sequencer/feeHistory.ts';
import { unindexedLogs } from '../core/sequencer/logs.ts';
import { flushDelay } from '../core/sequencer/outbox.ts';
import { type PrunePolicy, parsePrunePolicy, pruneStep } from '../core/sequencer/prune.ts';
import { StateQueries } from '../core/sequencer/queries.ts';
import { sealedBlockInfo } from '../core/sequencer/sealedBlocks.ts';
import {
  type DepositRecord,
  type L1Progress,
  type OutboxEntry,
  SequencerCore,
  type SubmitResult,
  type TransactionStatus,
  type WithdrawalProof,
} from '../core/sequencer/sequencer.ts';
import { unindexedBlocks } from '../core/sequencer/unindexed.ts';
import { coreChainPort } from '../core/settlement/chainPort.ts';
import type { ChainPort } from '../core/settlement/settler.ts';
import { newHead } from '../core/subscriptions/events.ts';
import type { CheckedTransaction } from '../core/tx/decodeTransaction.ts';
import { MAX_TXPOOL_LISTED, type PoolContent } from '../core/txpool/pool.ts';
import type { Env } from '../workers/env.ts';
import { D1_BATCH_BYTES, FLUSH_OPERATIONS, flushOutboxEntries } from '../workers/index-db/writer.ts';
import { provingQueue } from '../workers/prover/queue.ts';
import { doSql } from './doSql.ts';
import { HubFeed } from './hubFeed.ts';

/** Blocks written to D1 per round of an outbox flush (fewer when their data is large: D1_BATCH_BYTES). */
const OUTBOX_BATCH = 32;
/** While pruning has work, the alarm comes back this soon for its next step (PRUNE_ROWS_PER_STEP rows each). */
const PRUNE_PAUSE_MS = 250;

/**
 * The sequencer Durable Object: a thin shell that schedules the runtime-free SequencerCore.
 * Blocks are sealed back to back while transactions wait (each seal takes everything that arrived
 * during the previous one), and the alarm is the backstop that seals after an eviction. Sealed
 * blocks leave through the outbox, flushed to D1 off the hot path.
 */
export class Sequencer extends DurableObject<Env> {
  private readonly config: ChainConfig;
  private readonly core: SequencerCore;
  private readonly queries: StateQueries;
  private readonly batchPort: ChainPort;
  private readonly prunePolicy: PrunePolicy;
  private sealTimer: ReturnType<typeof setTimeout> | undefined;
  private sealing = false;
  private flushRun: Promise<{ flushed: number; remaining: number }> | undefined;
  /** Failed flushes in a row, and when the next may start (in memory: an evicted object retries at once). */
  private flushFailures = 0;
  private flushRetryAt = 0;
  /** When the alarm is set for, if it is (kept in memory: one storage write per arming, not per block). */
  private alarmAt: number | undefined;
  private readonly waiters = new Map<Hex, ((r: RpcReceipt | null) => void)[]>();
  /** Subscriptions: each sealed block pushed to the hubs that watch (hubFeed.ts), never awaited. */
  private readonly hubs: HubFeed;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.config = parseChainConfig(env);
    this.core = new SequencerCore(doSql(ctx.storage), this.config, { recordTraces: true });
    this.queries = new StateQueries(this.core);
    this.batchPort = coreChainPort(this.core, Date.now);
    this.prunePolicy = parsePrunePolicy(env);
    this.hubs = new HubFeed(ctx.storage.sql, env);
    void ctx.blockConcurrencyWhile(async () => {
      await this.core.init();
      if (this.core.hasPending()) this.scheduleSeal();
      if (this.core.outboxSize() > 0) void this.flushOutbox();
    });
  }

  // ---- writes ------------------------------------------------------------------------------

  /** Admits transactions; each answer is given only once its admission is durable. */
  async submit(txs: CheckedTransaction[]): Promise<SubmitResult[]> {
    const results = this.core.submit(txs);
    this.hubs.admitted(results);
    if (results.some((r) => 'hash' in r)) {
      this.scheduleSeal();
      await this.armAlarm();
    }
    return results;
  }

  /** eth_sendRawTransactionSync: admit, then wait (bounded) for the receipt. */
  async submitAndWait(tx: CheckedTransaction, timeoutMs: number): Promise<{ hash: Hex; receipt: RpcReceipt | null } | { error: ErrorObject }> {
    const [result] = await this.submit([tx]);
    if ('error' in result) return result;
    const receipt = await this.waitForReceipt(result.hash, timeoutMs);
    return { hash: result.hash, receipt };
  }

  private waitForReceipt(hash: Hex, timeoutMs: number): Promise<RpcReceipt | null> {
    const existing = this.core.receipt(hash);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(null), timeoutMs);
      const finish = (r: RpcReceipt | null) => {
        clearTimeout(timer);
        const list = this.waiters.get(hash)?.filter((f) => f !== finish) ?? [];
        if (list.length) this.waiters.set(hash, list);
        else this.waiters.delete(hash);
        resolve(r);
      };
      this.waiters.set(hash, [...(this.waiters.get(hash) ?? []), finish]);
    });
  }

  private scheduleSeal(): void {
    if (this.sealTimer !== undefined || this.sealing) return;
    this.sealTimer = setTimeout(() => {
      this.sealTimer = undefined;
      void this.sealOnce();
    }, 0);
  }

  /** Seals one block; true when it made one. */
  private async sealOnce(): Promise<boolean> {
    if (this.sealing) return false;
    this.sealing = true;
    let sealed: Awaited<ReturnType<SequencerCore['seal']>> = null;
    try {
      sealed = await this.core.seal(Date.now());
      if (sealed) {
        for (const hash of [...sealed.included, ...sealed.dropped.map((d) => d.hash)]) {
          const list = this.waiters.get(hash);
          if (list) for (const f of [...list]) f(this.core.receipt(hash));
        }
        void this.flushOutbox();
        this.publishToHubs(sealed);
        // A batch left open closes by age: the alarm comes back for it even if no block follows.
        const deadline = this.core.batcher.deadline();
        if (deadline !== undefined) void this.armAlarm(deadline);
      }
    } catch (e) {
      console.error('seal failed', e);
    } finally {
      this.sealing = false;
    }
    // Transactions that cannot run expire: the alarm comes back for them, and only while some wait.
    const expiry = this.core.pool.expiryDeadline();
    if (expiry !== undefined) void this.armAlarm(expiry);
    // Yield to the event loop between blocks so that waiting submissions join the next one. When
    // nothing could run (a nonce gap, a fee below the base fee), wait for the next submission
    // instead of spinning: idle costs nothing.
    if (sealed && this.core.hasPending()) this.scheduleSeal();
    return sealed !== null;
  }

  // ---- subscriptions: one hook after each seal ----------------------------------------------

  /** The sealed block, its logs and the hashes admitted since the last one, to the watching hubs. */
  private publishToHubs(sealed: NonNullable<Awaited<ReturnType<SequencerCore['seal']>>>): void {
    const sealedAt = Date.now();
    this.hubs.publish(() => ({
      header: newHead(sealed.header),
      // An empty bloom means no logs (each log sets its address's bits): a block of plain transfers
      // skips reading its receipts back.
      logs: /^0x0*$/.test(sealed.header.logsBloom) ? [] : (this.core.blockReceipts(BigInt(sealed.header.number)) ?? []).flatMap((r) => r.logs),
      sealedAt,
    }));
  }

  /** A subscription hub with watchers asks for every sealed block (durable-objects/hub.ts). */
  watchBlocks(shard: number): void {
    this.hubs.watch(shard);
  }

  /** Sets the alarm for `at` (default: one block time from now) unless it is already set earlier. */
  private async armAlarm(at = Date.now() + this.config.blockTimeMs): Promise<void> {
    if (this.alarmAt !== undefined && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  /**
   * Backstop after eviction or a failed flush, and the clock of batches: seals what can run, closes
   * a batch that is due, flushes the outbox; re-arms for the outbox's next try (after the flush's
   * backoff, or when a set-aside entry is due) and for an open batch's deadline.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = undefined;
    while (this.core.hasPending() && (await this.sealOnce()));
    this.core.batcher.closeIfDue(Date.now());
    await this.flushOutbox();
    const next = this.nextFlushAt();
    if (next !== undefined) await this.armAlarm(next);
    const deadline = this.core.batcher.deadline();
    if (deadline !== undefined) await this.armAlarm(deadline);
    await this.prune();
  }

  /**
   * One bounded pruning step (core/sequencer/prune.ts), never while a block is being sealed; the
   * alarm comes back for the next while there is work. Returns the rows the step touched.
   */
  async prune(): Promise<number> {
    if (this.sealing) {
      await this.armAlarm(Date.now() + PRUNE_PAUSE_MS);
      return 0;
    }
    let rows: number;
    try {
      rows = pruneStep(this.core, this.prunePolicy);
    } catch (e) {
      // A failed step rolled back whole; sealing and flushing go on, and the next alarm tries again.
      console.error('pruning step failed', e);
      return 0;
    }
    if (rows > 0) await this.armAlarm(Date.now() + PRUNE_PAUSE_MS);
    return rows;
  }

  /** When the outbox should be flushed next: undefined when nothing waits. */
  private nextFlushAt(): number | undefined {
    const due = this.core.outbox.nextDue();
    if (due === undefined) return undefined;
    return Math.max(due, this.flushRetryAt, Date.now() + this.config.blockTimeMs);
  }

  /**
   * Writes sealed blocks to D1 and traces to R2 and the queue, oldest first, in rounds of up to
   * OUTBOX_BATCH blocks (or about D1_BATCH_BYTES of data), until FLUSH_OPERATIONS statements and
   * sends are spent (then the alarm comes back for the rest). A failed round makes the next flush
   * wait, twice as long after each failure in a row (core/sequencer/outbox.ts: flushDelay); the
   * entry it blames goes alone next time and, failing again and again, is set aside while later
   * ones go on. Blocks sealed while a flush runs join the next one.
   */
  async flushOutbox(): Promise<{ flushed: number; remaining: number }> {
    // One flush at a time; a caller arriving during one waits for it (it drains what is pending).
    this.flushRun ??= this.runFlush().finally(() => {
      this.flushRun = undefined;
    });
    return this.flushRun;
  }

  private async runFlush(): Promise<{ flushed: number; remaining: number }> {
    let flushed = 0;
    // After a failure the whole outbox waits (seals keep asking): D1 or R2 down is not hammered.
    if (Date.now() < this.flushRetryAt) {
      await this.armAlarm(this.flushRetryAt);
      return { flushed, remaining: this.core.outboxSize() };
    }
    let operations = 0;
    while (operations < FLUSH_OPERATIONS) {
      const entries = this.core.outboxPending(OUTBOX_BATCH, D1_BATCH_BYTES);
      if (entries.length === 0) break;
      const index = entries.filter((e) => e.kind === 'index');
      const traces = entries.filter((e) => e.kind === 'trace');
      const done: number[] = [];
      try {
        if (index.length > 0) {
          const barrier = this.core.outbox.lowestIndexOutside(index.map((e) => e.id)) ?? Number(this.core.headNumber) + 1;
          const r = await flushOutboxEntries(this.env, this.config, index, (block) => this.core.blockRows(block), {
            barrier,
            maxStatements: FLUSH_OPERATIONS - operations,
          });
          operations += r.statements;
          done.push(...index.slice(0, r.written).map((e) => e.id));
        }
        operations += await this.sendTraces(traces);
        done.push(...traces.map((e) => e.id));
      } catch (e) {
        this.core.outboxDone(done);
        flushed += done.length;
        const blamed = entries.find((x) => !done.includes(x.id)) ?? entries[0];
        this.core.outboxFailed(blamed, e instanceof Error ? e.message : String(e));
        this.flushFailures++;
        this.flushRetryAt = Date.now() + flushDelay(this.flushFailures);
        console.error(
          `outbox flush of blocks ${entries[0].block}..${entries[entries.length - 1].block} failed (${this.flushFailures} in a row; next try in ${this.flushRetryAt - Date.now()} ms)`,
          e,
        );
        await this.armAlarm(this.flushRetryAt);
        return { flushed, remaining: this.core.outboxSize() };
      }
      this.core.outboxDone(done);
      this.flushFailures = 0;
      flushed += done.length;
    }
    const next = this.nextFlushAt();
    if (next !== undefined) await this.armAlarm(next);
    return { flushed, remaining: this.core.outboxSize() };
  }

  /**
   * Puts each block's trace blob in R2 under an immutable key, then sends its proving job. Both are
   * idempotent (same key, same bytes; the prover writes one proof per block), so a retry after a
   * crash repeats them safely. The local copy of a blob goes only once it is in R2 and its job was
   * sent (the proving reconciler finds a lost job later by the blob's key). Returns the operations.
   */
  private async sendTraces(entries: OutboxEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const jobs: ProvingJob[] = [];
    let operations = 0;
    for (const entry of entries) {
      const { blockHash, traceHash } = JSON.parse(entry.payload) as { blockHash: Hex; traceHash: Hex };
      const key = traceKey(this.config.chainId, entry.block, blockHash);
      const bytes = this.core.traceBlob(entry.block);
      if (bytes) await this.env.TRACES.put(key, bytes, { customMetadata: { traceHash } });
      else if (!(await this.env.TRACES.head(key))) throw new Error(`trace of block ${entry.block} is neither stored locally nor in R2`);
      operations++;
      jobs.push({ block: entry.block, blockHash, key, traceHash });
    }
    const queue = provingQueue(this.env);
    for (let i = 0; i < jobs.length; i += QUEUE_BATCH_MAX) {
      await queue.send(jobs.slice(i, i + QUEUE_BATCH_MAX));
      operations++;
    }
    for (const entry of entries) this.core.dropTrace(entry.block);
    return operations;
  }

  /** What the proving reconciler needs of these blocks (core/sequencer/sealedBlocks.ts). */
  provingBlocks(numbers: number[]) {
    return sealedBlockInfo(this.core, numbers);
  }

  // ---- privileged: the settlement worker's side ----------------------------------------------
  // Deposits credited, L1 progress (which moves `safe` and `finalized`), batches closed. Reached
  // through `l1Sequencer` (workers/env.ts) by the settlement worker only; the public edge holds a
  // `PublicSequencer`, which has none of these (test/unit/structure.test.ts).

  /** Deposits read from L1 (after confirmations), in queue order; applied at the start of the next block. */
  async addPriorityOps(ops: PriorityOp[]): Promise<Outcome<{ added: number; known: bigint }>> {
    const result = await outcome(() => ({ added: this.core.addPriorityOps(ops), known: this.core.priorityQueue.known() }));
    if ('ok' in result && result.ok.added > 0) {
      this.scheduleSeal();
      await this.armAlarm();
    }
    return result;
  }

  /** Priority operations received so far (the index of the next one expected). */
  priorityOpsKnown(): bigint {
    return this.core.priorityQueue.known();
  }

  /** Closes the open batch if it is due by age (the settlement run calls this before committing). */
  closeDueBatch(): Promise<number> {
    return this.batchPort.closeDueBatch();
  }

  /** Closed batches from `from`, at most `limit` of them, with their data (hex) for L1. */
  batches(from: number, limit: number) {
    return this.batchPort.batches(from, limit);
  }

  /** Every withdrawal of a closed batch, in order (what aggregation checks the withdrawals root against). */
  batchWithdrawals(batch: number) {
    return this.batchPort.batchWithdrawals(batch);
  }

  setL1Progress(p: L1Progress): void {
    this.core.setL1Progress(p);
  }

  // ---- reads -------------------------------------------------------------------------------

  taggedBlock(tag: 'safe' | 'finalized'): bigint {
    return this.core.taggedBlock(tag);
  }

  withdrawalProof(txHash: Hex): Outcome<WithdrawalProof | null> {
    try {
      return { ok: this.core.withdrawalProof(txHash) };
    } catch (e) {
      return { error: toErrorObject(e) };
    }
  }

  headNumber(): bigint {
    return this.core.headNumber;
  }

  head() {
    return this.core.head();
  }

  gasPriceBaseFee(): bigint {
    return this.core.gasPriceBaseFee();
  }

  block(number: bigint, full: boolean) {
    return this.core.block(number, full);
  }

  blockByHash(hash: Hex, full: boolean) {
    const n = this.core.blockNumberByHash(hash);
    return n === undefined ? null : this.core.block(n, full);
  }

  blockNumberByHash(hash: Hex): bigint | null {
    return this.core.blockNumberByHash(hash) ?? null;
  }

  blockReceipts(number: bigint): RpcReceipt[] | null {
    return this.core.blockReceipts(number);
  }

  receipt(hash: Hex): RpcReceipt | null {
    return this.core.receipt(hash);
  }

  transaction(hash: Hex): RpcTransaction | null {
    return this.core.transaction(hash);
  }

  /** The pool for txpool_*: raw transactions only (the edge decodes them), at most `limit` of them. */
  txpoolContent(limit: number, sender?: Hex): PoolContent {
    return this.core.txpoolContent(Math.min(limit, MAX_TXPOOL_LISTED), sender);
  }

  /** A deposit by its priority-operation index or L1 transaction hash (rollup_getDeposit). */
  deposit(key: { index: bigint } | { l1TxHash: Hex }): DepositRecord | null {
    return this.core.deposit(key);
  }

  /** Where an acknowledged transaction ended (rollup_getTransactionStatus). */
  transactionStatus(hash: Hex): TransactionStatus {
    return this.core.transactionStatus(hash);
  }

  pendingNonce(address: Hex): bigint {
    return this.core.pendingNonce(address.toLowerCase() as Hex);
  }

  async account(address: Hex, number: bigint): Promise<Outcome<{ balance: bigint; nonce: bigint }>> {
    return outcome(async () => ({ balance: await this.queries.balance(address, number), nonce: await this.queries.nonce(address, number) }));
  }

  async code(address: Hex, number: bigint): Promise<Outcome<Uint8Array>> {
    return outcome(() => this.queries.code(address, number));
  }

  async storageAt(address: Hex, slot: Hex, number: bigint): Promise<Outcome<Hex>> {
    return outcome(() => this.queries.storage(address, slot, number));
  }

  /**
   * The simulators' feed: blocks the D1 index does not hold yet, with their state changes. Calls,
   * estimates and access lists execute in the Simulator Durable Objects, never on this thread.
   */
  unindexed(after: number, limit: number) {
    return unindexedBlocks(this.core, after, limit);
  }

  /** A block's trace blob while it waits for R2 (the outbox flush drops it once written): for debug_trace* of recent blocks. */
  traceBlob(block: number): Uint8Array | null {
    return this.core.traceBlob(block) ?? null;
  }

  async proof(address: Hex, slots: Hex[], number: bigint) {
    return outcome(() => this.queries.proof(address, slots, number));
  }

  feeHistory(blockCount: number, newest: bigint, percentiles: number[]): Outcome<FeeHistory> {
    try {
      return { ok: feeHistory(this.core, blockCount, newest, percentiles) };
    } catch (e) {
      return { error: toErrorObject(e) };
    }
  }

  /** eth_getLogs over blocks D1 has not indexed yet, in one call with bounded work (core/sequencer/logs.ts). */
  logs(from: bigint, to: bigint, filter: LogFilter): Outcome<RpcLog[]> {
    try {
      return { ok: unindexedLogs(this.core, from, to, filter) };
    } catch (e) {
      return { error: toErrorObject(e) };
    }
  }

  status() {
    return {
      head: this.core.headNumber,
      headHash: this.core.head().hash,
      pending: this.core.pool.size,
      outbox: this.core.outboxSize(),
      outboxSetAside: this.core.outbox.setAside(),
      outboxFailures: this.flushFailures,
      pendingDeposits: this.core.priorityQueue.pending(1_000).length,
      batches: { closed: this.core.batcher.lastBatchNumber(), open: this.core.batcher.open() ?? null, l1: this.core.l1Progress() },
    };
  }
}
