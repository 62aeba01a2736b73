import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  decodeFunctionResult,
  encodeFunctionData,
  type Hex,
  keccak256,
  parseEventLogs,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { decodeBatchData } from '../batches/batchData.ts';
import type { BatchCommitment } from '../batches/commitment.ts';
import type { PriorityOp } from '../bridge/priorityOps.ts';
import type { Withdrawal } from '../bridge/withdrawals.ts';
import { hexToBytes } from '../chain/hex.ts';
import { aggregateBatches, type StoredBlockProof } from '../proving/aggregate.ts';
import type { SqlPort } from '../storage/sql.ts';
import { bridgeAbi, rollupAbi } from './l1Abi.ts';
import { type L1Client, L1RevertError } from './l1Client.ts';
import { acquireLease, ensureSettlementSchema, getSetting, putSetting, releaseLease } from './schema.ts';

export interface SettlementConfig {
  /** L2 chain id. */
  chainId: bigint;
  /** The L1's JSON-RPC endpoint (the Worker builds its L1Client from it). */
  l1RpcUrl: string;
  rollup: Hex;
  bridge: Hex;
  /** L1 block the contracts were deployed in: deposits are read from there on. */
  deployBlock: bigint;
  /** The operator key that signs commit, prove and execute transactions. */
  operatorKey: Hex;
  /** Keys the aggregated proof is signed with (registered in the L1 verifier). */
  proverKeys: Hex[];
  /** Block provers whose block proofs count. */
  trustedProvers: Hex[];
  /**
   * When an L1 block is final: null, the L1's `finalized` tag; a number, that many confirmations
   * (only for an L1 without the tag). Deposits are handed to the sequencer, and settlement
   * transactions count as done, only once their block is final.
   */
  confirmations: number | null;
  /** Batches per L1 transaction at most. */
  maxBatchesPerTx: number;
  /** An L1 transaction not mined after this long is replaced with higher fees. */
  replaceAfterMs: number;
  /** Fee increase of a replacement, in percent (L1 nodes want at least 10%). */
  feeBumpPercent: number;
  /** How long one run may keep going (waiting for its transactions, then taking the next step). */
  runBudgetMs: number;
}

export const SETTLEMENT_DEFAULTS = { confirmations: null, maxBatchesPerTx: 10, replaceAfterMs: 30_000, feeBumpPercent: 25, runBudgetMs: 20_000 };

/** The sequencer, as the settlement worker uses it. */
export interface ChainPort {
  /** Closes the open batch if it is due by age; returns the last closed batch number. */
  closeDueBatch(): Promise<number>;
  batches(from: number, limit: number): Promise<{ commitment: BatchCommitment; hash: Hex; data: Hex }[]>;
  batchWithdrawals(batch: number): Promise<(Withdrawal & { block: number })[] | null>;
  /** Hands over deposits; throws if refused. */
  addPriorityOps(ops: PriorityOp[]): Promise<void>;
  setL1Progress(p: { committed: number; proven: number; executed: number }): Promise<void>;
}

/** Block proofs, wherever the provers put them (D1 in the Worker). */
export interface ProofSource {
  blockProofs(firstBlock: number, lastBlock: number): Promise<Map<number, StoredBlockProof>>;
}

export type L1TxKind = 'commitBatches' | 'proveBatches' | 'executeBatches' | 'revertBatches';

export type L1TxRow = {
  id: number;
  nonce: number;
  kind: L1TxKind;
  first_batch: number;
  last_batch: number;
  l2_txs: number;
  calldata_bytes: number;
  to_address: Hex;
  data: Hex;
  gas: string;
  max_fee: string;
  tip: string;
  hashes: string;
  raw: Hex;
  sent_at: number;
  status: 'pending' | 'mined' | 'reverted' | 'superseded' | 'refused';
  block: number | null;
  gas_used: string | null;
  error: string | null;
};

export interface RunReport {
  skipped?: string;
  deposits: number;
  sent: { kind: L1TxKind; firstBatch: number; lastBatch: number; hash: Hex }[];
  replaced: Hex[];
  waiting?: string;
  error?: string;
  l1?: L1Counts;
}

export interface L1Counts {
  committed: number;
  proven: number;
  executed: number;
}

type Step = 'progress' | 'wait' | 'idle';

/** Batches committed on L1 that cannot be proven yet for want of block proofs. */
export interface ProvingWait {
  batches: number[];
  /** The first 32 blocks without a proof. */
  missingBlocks: number[];
  missing: number;
  /** The first block without a proof was sealed at this time (unix seconds, its block timestamp). */
  firstMissingTimestamp: number;
  /** When settlement first found the first of these batches waiting (ms). */
  since: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A run waits for its transaction's block to become final only while it is at most this many
 * blocks from final; farther (Ethereum finalizes about 64 blocks behind the head) the run ends and
 * a later one looks again, instead of polling the L1 for minutes.
 */
const FINALITY_WAIT_BLOCKS = 8n;

/** The rollup's custom error in `data` with its arguments, or null when it is not one of them. */
function rollupError(data: Hex | undefined): string | null {
  if (!data || data.length < 10) return null;
  try {
    const d = decodeErrorResult({ abi: rollupAbi, data });
    return `${d.errorName}(${(d.args ?? []).map(String).join(', ')})`;
  } catch {
    return null;
  }
}

/** An L1 error in a line: the contract's custom error with its arguments when it is one. */
export function describeL1Error(e: unknown): string {
  if (e instanceof L1RevertError) return rollupError(e.data) ?? e.message;
  if (e instanceof BaseError) {
    // A raw revert (from estimateGas): decode it with the rollup's errors.
    const raw = e.walk((x) => typeof (x as { data?: unknown }).data === 'string' && (x as { data: string }).data.startsWith('0x')) as { data?: Hex } | null;
    const decoded = rollupError(raw?.data);
    if (decoded) return decoded;
    const reverted = e.walk((x) => x instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    if (reverted?.data?.errorName) return `${reverted.data.errorName}(${(reverted.data.args ?? []).map(String).join(', ')})`;
    if (reverted?.reason) return reverted.reason;
    return e.shortMessage;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * The settlement state machine (DESIGN decisions 8-10), plain logic over a SQL port, the sequencer
 * port, a proof source and the L1 (an L1Client port: no network I/O here). Each run:
 *   1. takes the lease (a second run started at once skips, so nothing is sent twice);
 *   2. hands new L1 deposits in final L1 blocks to the sequencer;
 *   3. follows the L1 transaction in flight: done once its block is final and canonical, sent
 *      again with higher fees when dropped, reorged out or not mined in time (same nonce, so only
 *      one can land);
 *   4. reads the rollup contract's committed/proven/executed counts (L1 is the truth, memory is
 *      not); reverts committed batches that are not the sequencer's (revertBatches), else takes
 *      the next step: execute what is proven, prove what is committed (once every block has its
 *      proof), commit what is closed; one L1 transaction in flight at a time;
 *   5. repeats 3-4 until nothing is left to do or its time budget is spent.
 * A refusal by L1 (the transaction would revert, say an invalid proof) is recorded and reported,
 * never sent.
 */
export class Settler {
  private readonly sql: SqlPort;
  private readonly config: SettlementConfig;
  private readonly chain: ChainPort;
  private readonly proofs: ProofSource;
  private readonly l1: L1Client;
  private readonly operator: ReturnType<typeof privateKeyToAccount>;
  private l1ChainId: number | undefined;

  constructor(sql: SqlPort, config: SettlementConfig, chain: ChainPort, proofs: ProofSource, l1: L1Client) {
    this.sql = sql;
    this.config = config;
    this.chain = chain;
    this.proofs = proofs;
    this.l1 = l1;
    this.operator = privateKeyToAccount(config.operatorKey);
    ensureSettlementSchema(sql);
  }

  async run(): Promise<RunReport> {
    const owner = crypto.randomUUID();
    const report: RunReport = { deposits: 0, sent: [], replaced: [] };
    if (!acquireLease(this.sql, owner, Date.now(), this.config.runBudgetMs + 60_000)) return { ...report, skipped: 'another settlement run holds the lease' };
    const deadline = Date.now() + this.config.runBudgetMs;
    try {
      this.l1ChainId ??= await this.l1.chainId();
      report.deposits = await this.readDeposits();
      for (;;) {
        // The lease is renewed at every step, so a run slowed by a slow L1 keeps it while it works.
        if (!acquireLease(this.sql, owner, Date.now(), this.config.runBudgetMs + 60_000)) throw new Error('the settlement lease was lost');
        const step = await this.step(report);
        if (step === 'idle' || Date.now() > deadline) break;
        if (step === 'wait') await sleep(250);
      }
      putSetting(this.sql, 'last_error', '');
    } catch (e) {
      report.error = describeL1Error(e);
      putSetting(this.sql, 'last_error', `${new Date().toISOString()} ${report.error}`);
    } finally {
      putSetting(this.sql, 'last_run', String(Date.now()));
      releaseLease(this.sql, owner);
    }
    return report;
  }

  // ---- deposits ------------------------------------------------------------------------------

  /** The highest L1 block that is final: no reorg takes out what it holds. */
  private async finalBlock(): Promise<bigint> {
    if (this.config.confirmations === null) {
      const b = await this.l1.block('finalized');
      if (!b) throw new Error('the L1 answers no finalized block: set L1_CONFIRMATIONS for an L1 without the finalized tag');
      return b.number;
    }
    return (await this.l1.blockNumber()) - BigInt(Math.max(0, this.config.confirmations - 1));
  }

  /** Deposits in final L1 blocks only: one credited on L2 can never be taken back if L1 reorgs. */
  private async readDeposits(): Promise<number> {
    const final = await this.finalBlock();
    let from = BigInt(getSetting(this.sql, 'deposits_scanned_to') ?? String(this.config.deployBlock - 1n)) + 1n;
    let handed = 0;
    while (from <= final) {
      const to = from + 4_999n < final ? from + 4_999n : final;
      const logs = await this.l1.logs({ address: this.config.bridge, fromBlock: from, toBlock: to });
      const ops: PriorityOp[] = parseEventLogs({ abi: bridgeAbi, logs, eventName: 'DepositInitiated' }).map((l) => ({
        index: l.args.index,
        l1Sender: l.args.l1Sender.toLowerCase() as Hex,
        l2Recipient: l.args.l2Recipient.toLowerCase() as Hex,
        amount: l.args.amount,
        ...(l.transactionHash ? { l1TxHash: l.transactionHash.toLowerCase() as Hex } : {}),
      }));
      if (ops.length > 0) await this.chain.addPriorityOps(ops);
      handed += ops.length;
      putSetting(this.sql, 'deposits_scanned_to', to.toString());
      from = to + 1n;
    }
    return handed;
  }

  // ---- batches -------------------------------------------------------------------------------

  /** Reads a view function of the rollup. */
  private async readRollup<T>(
    functionName: 'committedBatches' | 'provenBatches' | 'executedBatches' | 'storedBatchHash',
    args: readonly bigint[] = [],
  ): Promise<T> {
    const data = encodeFunctionData({ abi: rollupAbi, functionName, args } as never);
    return decodeFunctionResult({ abi: rollupAbi, functionName, data: await this.l1.call({ to: this.config.rollup, data }) } as never) as T;
  }

  async counts(): Promise<L1Counts> {
    const read = (functionName: 'committedBatches' | 'provenBatches' | 'executedBatches') => this.readRollup<bigint>(functionName);
    const [committed, proven, executed] = await Promise.all([read('committedBatches'), read('provenBatches'), read('executedBatches')]);
    return { committed: Number(committed), proven: Number(proven), executed: Number(executed) };
  }

  private async step(report: RunReport): Promise<Step> {
    const inFlight = this.sql.query<L1TxRow>(`SELECT * FROM l1_txs WHERE status = 'pending' ORDER BY id LIMIT 1`)[0];
    if (inFlight) {
      const followed = await this.follow(inFlight, report);
      if (followed === 'later') return 'idle';
      if (followed === 'wait') return 'wait';
    }

    const l1 = await this.counts();
    report.l1 = l1;
    putSetting(this.sql, 'l1_counts', JSON.stringify(l1));
    await this.chain.setL1Progress(l1);
    const closed = await this.chain.closeDueBatch();
    const max = this.config.maxBatchesPerTx;

    const diverged = await this.firstDivergedBatch(l1, closed);
    if (diverged !== null) {
      // L1 holds a batch the sequencer does not have: it can never be proven as the sequencer's.
      // Revert it (and the ones after it), then the sequencer's batches are committed in its place.
      return this.send(report, 'revertBatches', [], [BigInt(diverged - 1)], { firstBatch: diverged, lastBatch: l1.committed });
    }
    if (l1.executed < l1.proven) {
      const batches = await this.chain.batches(l1.executed + 1, Math.min(max, l1.proven - l1.executed));
      return this.send(report, 'executeBatches', batches, [batches.map((b) => b.commitment)]);
    }
    if (closed < l1.committed) {
      throw new Error(`L1 has ${l1.committed} batches committed but the sequencer closed only ${closed}: is this the sequencer those batches came from?`);
    }
    if (l1.proven < l1.committed) {
      const [previous, ...batches] = await this.chain.batches(l1.proven, 1 + Math.min(max, l1.committed - l1.proven));
      const withdrawals = await Promise.all(batches.map((b) => this.chain.batchWithdrawals(Number(b.commitment.batchNumber))));
      const first = Number(batches[0].commitment.firstBlock);
      const last = Number(batches[batches.length - 1].commitment.lastBlock);
      const agg = aggregateBatches({
        l1ChainId: BigInt(this.l1ChainId as number),
        chainId: this.config.chainId,
        rollup: this.config.rollup,
        previous: previous.commitment,
        batches: batches.map((b, i) => ({ commitment: b.commitment, data: hexToBytes(b.data), withdrawals: withdrawals[i] ?? [] })),
        // From the block before the range: its hash anchors the range's chain of block hashes.
        proofs: await this.proofs.blockProofs(first - 1, last),
        trustedProvers: new Set(this.config.trustedProvers.map((p) => p.toLowerCase() as Hex)),
        keys: this.config.proverKeys,
      });
      if (!agg.ok) {
        if (agg.waiting) {
          report.waiting = `batches ${l1.proven + 1}..${Number(batches[batches.length - 1].commitment.batchNumber)} wait for ${agg.missing.length} block proofs (first: block ${agg.missing[0]})`;
          // The first missing block's timestamp, from its batch's data: how long it has lacked a proof.
          const holding = batches.find((b) => Number(b.commitment.lastBlock) >= agg.missing[0]) ?? batches[0];
          const sealed = decodeBatchData(hexToBytes(holding.data)).find((d) => Number(d.number) === agg.missing[0])?.timestamp;
          this.noteWaiting(l1.proven + 1, Number(batches[batches.length - 1].commitment.batchNumber), agg.missing, Number(sealed ?? 0n));
          return 'idle';
        }
        throw new Error(`aggregation refused batches ${l1.proven + 1}..: ${agg.reason}`);
      }
      putSetting(this.sql, 'waiting', '');
      return this.send(report, 'proveBatches', batches, [batches.map((b) => b.commitment), agg.proof]);
    }
    if (l1.committed < closed) {
      const [lastCommitted, ...batches] = await this.chain.batches(l1.committed, 1 + Math.min(max, closed - l1.committed));
      const stored = await this.readRollup<Hex>('storedBatchHash', [BigInt(l1.committed)]);
      // Every committed batch is executed here: one that differs cannot be reverted.
      if (stored !== lastCommitted.hash)
        throw new Error(`L1 stores batch ${l1.committed} as ${stored}, the sequencer has ${lastCommitted.hash}: refusing to commit on top`);
      return this.send(report, 'commitBatches', batches, [lastCommitted.commitment, batches.map((b) => b.commitment), batches.map((b) => b.data)]);
    }
    return 'idle';
  }

  /**
   * The first committed, unexecuted batch whose hash on L1 is not the sequencer's batch, among the
   * ones the next step works on (at most maxBatchesPerTx L1 reads): the range to execute, else the
   * range to prove; null when they agree. Throws when L1 has batches committed beyond those the
   * sequencer closed (another sequencer's, or a misconfiguration: never reverted on a guess).
   */
  private async firstDivergedBatch(l1: L1Counts, closed: number): Promise<number | null> {
    const max = this.config.maxBatchesPerTx;
    let first: number;
    let last: number;
    if (l1.executed < l1.proven) [first, last] = [l1.executed + 1, Math.min(l1.proven, l1.executed + max)];
    else if (l1.proven < l1.committed) [first, last] = [l1.proven + 1, Math.min(l1.committed, l1.proven + max)];
    else return null;
    if (closed < last) {
      throw new Error(`L1 has ${l1.committed} batches committed but the sequencer closed only ${closed}: is this the sequencer those batches came from?`);
    }
    const ours = await this.chain.batches(first, last - first + 1);
    const stored = await Promise.all(ours.map((b) => this.readRollup<Hex>('storedBatchHash', [b.commitment.batchNumber])));
    const i = stored.findIndex((h, k) => h !== ours[k].hash);
    return i < 0 ? null : first + i;
  }

  // ---- L1 transactions -----------------------------------------------------------------------

  private async fees(minimum?: { maxFee: bigint; tip: bigint }): Promise<{ maxFee: bigint; tip: bigint }> {
    let { maxFee, tip } = await this.l1.fees();
    if (minimum) {
      const bump = (x: bigint) => (x * BigInt(100 + this.config.feeBumpPercent)) / 100n + 1n;
      if (bump(minimum.maxFee) > maxFee) maxFee = bump(minimum.maxFee);
      if (bump(minimum.tip) > tip) tip = bump(minimum.tip);
    }
    if (tip > maxFee) maxFee = tip;
    return { maxFee, tip };
  }

  private async sign(nonce: number, to: Hex, data: Hex, gas: bigint, fees: { maxFee: bigint; tip: bigint }): Promise<{ raw: Hex; hash: Hex }> {
    const raw = await this.operator.signTransaction({
      chainId: this.l1ChainId as number,
      type: 'eip1559',
      nonce,
      to,
      data,
      gas,
      maxFeePerGas: fees.maxFee,
      maxPriorityFeePerGas: fees.tip,
    });
    return { raw, hash: keccak256(raw) };
  }

  /** Sends `kind` for `batches` (or, for a revert, the range `range` it reverts). */
  private async send(
    report: RunReport,
    kind: L1TxKind,
    batches: { commitment: BatchCommitment; data: Hex }[],
    args: unknown[],
    range?: { firstBatch: number; lastBatch: number },
  ): Promise<Step> {
    const firstBatch = range?.firstBatch ?? Number(batches[0].commitment.batchNumber);
    const lastBatch = range?.lastBatch ?? Number(batches[batches.length - 1].commitment.batchNumber);
    const data = encodeFunctionData({ abi: rollupAbi, functionName: kind, args } as never) as Hex;
    let gas: bigint;
    try {
      gas = await this.l1.estimateGas({ from: this.operator.address, to: this.config.rollup, data });
    } catch (e) {
      // A network error is just an error of this run; a revert means L1 refuses the transaction.
      if (!(e instanceof L1RevertError)) throw e;
      // L1 would revert it: never send. Recorded once per distinct reason so the status shows it.
      const reason = describeL1Error(e);
      const last = this.sql.query<{ error: string | null; first_batch: number }>(
        `SELECT error, first_batch FROM l1_txs WHERE status = 'refused' AND kind = ? ORDER BY id DESC LIMIT 1`,
        kind,
      )[0];
      if (last?.error !== reason || last.first_batch !== firstBatch)
        this.insert({
          nonce: -1,
          kind,
          firstBatch,
          lastBatch,
          l2Txs: 0,
          data,
          gas: 0n,
          fees: { maxFee: 0n, tip: 0n },
          raw: '0x',
          hash: '0x',
          status: 'refused',
          error: reason,
        });
      throw new Error(`L1 refuses ${kind} of batches ${firstBatch}..${lastBatch}: ${reason}`);
    }
    gas = (gas * 12n) / 10n;
    const nonce = await this.l1.transactionCount(this.operator.address, 'pending');
    const fees = await this.fees();
    const { raw, hash } = await this.sign(nonce, this.config.rollup, data, gas, fees);
    const l2Txs =
      kind === 'commitBatches' ? batches.reduce((n, b) => n + decodeBatchData(hexToBytes(b.data)).reduce((m, blk) => m + blk.transactions.length, 0), 0) : 0;
    // Recorded before it is sent: a crash right after sending finds it here and follows it.
    this.insert({ nonce, kind, firstBatch, lastBatch, l2Txs, data, gas, fees, raw, hash, status: 'pending', error: null });
    await this.broadcast(raw);
    report.sent.push({ kind, firstBatch, lastBatch, hash });
    return 'progress';
  }

  private insert(r: {
    nonce: number;
    kind: L1TxKind;
    firstBatch: number;
    lastBatch: number;
    l2Txs: number;
    data: Hex;
    gas: bigint;
    fees: { maxFee: bigint; tip: bigint };
    raw: Hex;
    hash: Hex;
    status: L1TxRow['status'];
    error: string | null;
  }): void {
    this.sql.query(
      `INSERT INTO l1_txs (nonce, kind, first_batch, last_batch, l2_txs, calldata_bytes, to_address, data, gas, max_fee, tip, hashes, raw, sent_at, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      r.nonce,
      r.kind,
      r.firstBatch,
      r.lastBatch,
      r.l2Txs,
      (r.data.length - 2) / 2,
      this.config.rollup,
      r.data,
      r.gas.toString(),
      r.fees.maxFee.toString(),
      r.fees.tip.toString(),
      JSON.stringify(r.hash === '0x' ? [] : [r.hash]),
      r.raw,
      Date.now(),
      r.status,
      r.error,
    );
  }

  /** Sends a signed transaction; "already known" and friends are fine (following it decides). */
  private async broadcast(raw: Hex): Promise<void> {
    try {
      await this.l1.sendRawTransaction(raw);
    } catch (e) {
      console.warn(`L1 did not take the transaction (followed on the next step): ${describeL1Error(e)}`);
    }
  }

  /** The receipt of `hash` if it is in a block that is still canonical (a node may answer from a reorged-out one). */
  private async canonicalReceipt(hash: Hex) {
    const receipt = await this.l1.receipt(hash);
    if (!receipt) return null;
    const block = await this.l1.block(receipt.blockNumber);
    return block?.hash === receipt.blockHash ? receipt : null;
  }

  /**
   * Follows an L1 transaction in flight; 'wait' while it is neither final nor given up ('later'
   * when its block is far from final). Mined is not done: until its block is final a reorg can
   * take it out, and then it is sent again.
   */
  private async follow(row: L1TxRow, report: RunReport): Promise<'done' | 'wait' | 'later'> {
    const hashes = JSON.parse(row.hashes) as Hex[];
    for (const hash of [...hashes].reverse()) {
      const receipt = await this.canonicalReceipt(hash);
      if (!receipt) continue;
      const final = await this.finalBlock();
      if (receipt.blockNumber > final) return receipt.blockNumber - final > FINALITY_WAIT_BLOCKS ? 'later' : 'wait';
      const status = receipt.status === 'success' ? 'mined' : 'reverted';
      this.sql.query(
        `UPDATE l1_txs SET status = ?, block = ?, gas_used = ?, error = ? WHERE id = ?`,
        status,
        Number(receipt.blockNumber),
        receipt.gasUsed.toString(),
        status === 'reverted' ? `reverted in L1 block ${receipt.blockNumber} (${hash})` : null,
        row.id,
      );
      return 'done';
    }
    // Not mined. If the nonce is used, something else took it (or ours landed since the receipt
    // checks: look once more): L1's counts decide what is next.
    const used = await this.l1.transactionCount(this.operator.address, 'latest');
    if (used > row.nonce) {
      for (const hash of hashes) if (await this.canonicalReceipt(hash)) return 'wait';
      this.sql.query(`UPDATE l1_txs SET status = 'superseded', error = 'nonce used by another transaction' WHERE id = ?`, row.id);
      return 'done';
    }
    const latest = hashes[hashes.length - 1];
    const known = await this.l1.hasTransaction(latest);
    if (!known && used < row.nonce) {
      // L1 went back (a reorg took out an earlier transaction too, a restart from older state):
      // this nonce cannot be mined. Give it up; the next step reads L1 and sends what is missing.
      this.sql.query(`UPDATE l1_txs SET status = 'superseded', error = ? WHERE id = ?`, `nonce ${row.nonce} is beyond the account's ${used} on L1`, row.id);
      return 'done';
    }
    if (known && Date.now() - row.sent_at < this.config.replaceAfterMs) return 'wait';
    // Dropped (by the node, or by a reorg that took it out of its block), or stuck: the same
    // transaction again with higher fees (same nonce: only one lands).
    const fees = await this.fees({ maxFee: BigInt(row.max_fee), tip: BigInt(row.tip) });
    const { raw, hash } = await this.sign(row.nonce, row.to_address, row.data, BigInt(row.gas), fees);
    this.sql.query(
      `UPDATE l1_txs SET hashes = ?, raw = ?, max_fee = ?, tip = ?, sent_at = ? WHERE id = ?`,
      JSON.stringify([...hashes, hash]),
      raw,
      fees.maxFee.toString(),
      fees.tip.toString(),
      Date.now(),
      row.id,
    );
    await this.broadcast(raw);
    report.replaced.push(hash);
    return 'wait';
  }

  /**
   * What proving the next batches waits for: the blocks still without a proof (the first 32 and how
   * many), and since when settlement waits for that first batch (kept while the first batch stays).
   */
  private noteWaiting(firstBatch: number, lastBatch: number, missing: number[], firstMissingTimestamp: number): void {
    const earlier = JSON.parse(getSetting(this.sql, 'waiting') || 'null') as ProvingWait | null;
    const since = earlier?.batches[0] === firstBatch ? earlier.since : Date.now();
    const wait: ProvingWait = { batches: [firstBatch, lastBatch], missingBlocks: missing.slice(0, 32), missing: missing.length, firstMissingTimestamp, since };
    putSetting(this.sql, 'waiting', JSON.stringify(wait));
  }

  // ---- status --------------------------------------------------------------------------------

  status() {
    const rows = this.sql.query<L1TxRow>(`SELECT * FROM l1_txs ORDER BY id DESC LIMIT 20`);
    const view = (r: L1TxRow) => ({
      kind: r.kind,
      batches: [r.first_batch, r.last_batch],
      status: r.status,
      nonce: r.nonce,
      hashes: JSON.parse(r.hashes) as Hex[],
      gasUsed: r.gas_used,
      l2Txs: r.l2_txs,
      calldataBytes: r.calldata_bytes,
      error: r.error,
    });
    const counts = getSetting(this.sql, 'l1_counts');
    return {
      l1: counts ? (JSON.parse(counts) as L1Counts) : null,
      inFlight: rows.filter((r) => r.status === 'pending').map(view),
      recent: rows.map(view),
      depositsScannedTo: getSetting(this.sql, 'deposits_scanned_to') ?? null,
      lastError: getSetting(this.sql, 'last_error') || null,
      waiting: JSON.parse(getSetting(this.sql, 'waiting') || 'null') as ProvingWait | null,
      lastRun: Number(getSetting(this.sql, 'last_run') ?? 0) || null,
    };
  }

  /** Mined settlement transactions, for the cost report (gas per batch and per L2 transaction). */
  minedTransactions(): { kind: L1TxKind; firstBatch: number; lastBatch: number; gasUsed: bigint; l2Txs: number; calldataBytes: number }[] {
    return this.sql.query<L1TxRow>(`SELECT * FROM l1_txs WHERE status = 'mined' ORDER BY id`).map((r) => ({
      kind: r.kind,
      firstBatch: r.first_batch,
      lastBatch: r.last_batch,
      gasUsed: BigInt(r.gas_used ?? 0),
      l2Txs: r.l2_txs,
      calldataBytes: r.calldata_bytes,
    }));
  }
}
