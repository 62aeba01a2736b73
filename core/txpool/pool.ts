import type { Hex } from '../chain/hex.ts';
import { ServerError } from '../errors.ts';
import type { ExecutableTx } from '../execution/executeBlock.ts';
import { run, type SqlPort, whereIn } from '../storage/sql.ts';
import type { CheckedTransaction } from '../tx/decodeTransaction.ts';

/** How far ahead of a sender's next nonce a transaction may be held until the gap fills. */
export const MAX_FUTURE_NONCE_GAP = 64n;
/** Transactions one sender may have waiting. */
export const MAX_PER_SENDER = 1024;
/** Transactions the whole pool holds. */
export const MAX_POOL_SIZE = 50_000;
/** A replacement must raise both fee caps by this percentage. */
export const REPLACEMENT_BUMP_PERCENT = 10n;

export interface PoolTx extends ExecutableTx {
  nonce: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  gasLimit: bigint;
  cost: bigint;
  seq: number;
}

type Body = Omit<PoolTx, 'hash' | 'sender' | 'seq' | 'nonce' | 'maxFeePerGas' | 'maxPriorityFeePerGas' | 'gasLimit' | 'cost'> & {
  nonce: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  gasLimit: string;
  cost: string;
};

/**
 * Pending transactions, in memory for selection and in SQLite for durability. Every mutation
 * writes SQLite first; the caller's request is answered only after its output gate confirms it.
 */
export class TxPool {
  private readonly byHash = new Map<Hex, PoolTx>();
  private readonly bySender = new Map<Hex, Map<bigint, PoolTx>>();
  private seq = 0;

  private readonly sql: SqlPort;
  constructor(sql: SqlPort) {
    this.sql = sql;
  }

  load(): void {
    const rows = this.sql.query<{ hash: Hex; sender: Hex; seq: number; body: string }>(`SELECT hash, sender, seq, body FROM pool ORDER BY seq`);
    for (const row of rows) {
      const b = JSON.parse(row.body) as Body;
      this.index({
        ...b,
        hash: row.hash,
        sender: row.sender,
        seq: row.seq,
        nonce: BigInt(b.nonce),
        maxFeePerGas: BigInt(b.maxFeePerGas),
        maxPriorityFeePerGas: BigInt(b.maxPriorityFeePerGas),
        gasLimit: BigInt(b.gasLimit),
        cost: BigInt(b.cost),
      });
      this.seq = Math.max(this.seq, row.seq);
    }
  }

  get size(): number {
    return this.byHash.size;
  }

  get(hash: Hex): PoolTx | undefined {
    return this.byHash.get(hash);
  }

  /** The nonce the sender's next transaction should carry: after the gap-free run in the pool. */
  pendingNonce(sender: Hex, stateNonce: bigint): bigint {
    const txs = this.bySender.get(sender);
    let n = stateNonce;
    while (txs?.has(n)) n++;
    return n;
  }

  /**
   * Admits a checked transaction against the sender's committed nonce and balance, or throws a
   * geth-compatible error. The SQL write happens here; the in-memory index after it succeeds.
   */
  admit(t: CheckedTransaction, stateNonce: bigint, balance: bigint, minBaseFee: bigint): PoolTx {
    if (this.byHash.has(t.hash)) throw new ServerError('already known');
    if (t.nonce < stateNonce) throw new ServerError(`nonce too low: next nonce ${stateNonce}, tx nonce ${t.nonce}`);
    if (t.nonce > stateNonce + MAX_FUTURE_NONCE_GAP) {
      throw new ServerError(`nonce too high: next nonce ${stateNonce}, tx nonce ${t.nonce}, at most ${MAX_FUTURE_NONCE_GAP} ahead are held`);
    }
    if (t.maxFeePerGas < minBaseFee) {
      throw new ServerError(`max fee per gas less than block base fee: address ${t.sender}, maxFeePerGas: ${t.maxFeePerGas}, baseFee: ${minBaseFee}`);
    }
    if (t.maxPriorityFeePerGas > t.maxFeePerGas) {
      throw new ServerError(
        `max priority fee per gas higher than max fee per gas: address ${t.sender}, maxPriorityFeePerGas: ${t.maxPriorityFeePerGas}, maxFeePerGas: ${t.maxFeePerGas}`,
      );
    }
    if (balance < t.cost) {
      throw new ServerError(`insufficient funds for gas * price + value: address ${t.sender} have ${balance} want ${t.cost}`);
    }
    const senderTxs = this.bySender.get(t.sender);
    const replaced = senderTxs?.get(t.nonce);
    if (replaced) {
      const bump = (v: bigint) => v + (v * REPLACEMENT_BUMP_PERCENT) / 100n;
      if (t.maxFeePerGas < bump(replaced.maxFeePerGas) || t.maxPriorityFeePerGas < bump(replaced.maxPriorityFeePerGas)) {
        throw new ServerError('replacement transaction underpriced');
      }
    } else {
      if ((senderTxs?.size ?? 0) >= MAX_PER_SENDER) throw new ServerError(`txpool is full: sender has ${MAX_PER_SENDER} pending transactions`);
      if (this.byHash.size >= MAX_POOL_SIZE) throw new ServerError('txpool is full');
    }
    const p: PoolTx = {
      raw: t.raw,
      hash: t.hash,
      sender: t.sender,
      senderPubKey: t.senderPubKey,
      nonce: t.nonce,
      maxFeePerGas: t.maxFeePerGas,
      maxPriorityFeePerGas: t.maxPriorityFeePerGas,
      gasLimit: t.gasLimit,
      cost: t.cost,
      seq: ++this.seq,
    };
    const body: Body = {
      raw: p.raw,
      senderPubKey: p.senderPubKey,
      nonce: p.nonce.toString(),
      maxFeePerGas: p.maxFeePerGas.toString(),
      maxPriorityFeePerGas: p.maxPriorityFeePerGas.toString(),
      gasLimit: p.gasLimit.toString(),
      cost: p.cost.toString(),
    };
    if (replaced) this.sql.query(`DELETE FROM pool WHERE hash = ?`, replaced.hash);
    this.sql.query(
      `INSERT INTO pool (hash, sender, nonce, seq, body) VALUES (?, ?, ?, ?, ?)`,
      p.hash,
      p.sender,
      p.nonce.toString(),
      p.seq,
      JSON.stringify(body),
    );
    if (replaced) this.unindex(replaced);
    this.index(p);
    return p;
  }

  /**
   * Proposes the next block's transactions: per sender the gap-free run from its committed
   * nonce, all senders merged by arrival, never a later nonce before an earlier one.
   */
  select(stateNonce: (sender: Hex) => bigint, maxCount: number): { runnable: PoolTx[]; stale: PoolTx[] } {
    const runnable: { tx: PoolTx; order: number }[] = [];
    const stale: PoolTx[] = [];
    for (const [sender, txs] of this.bySender) {
      const first = stateNonce(sender);
      for (const [nonce, tx] of txs) if (nonce < first) stale.push(tx);
      let order = 0;
      for (let n = first; txs.has(n); n++) {
        const tx = txs.get(n) as PoolTx;
        order = Math.max(order, tx.seq);
        runnable.push({ tx, order });
      }
    }
    runnable.sort((a, b) => a.order - b.order || (a.tx.nonce < b.tx.nonce ? -1 : 1));
    return { runnable: runnable.slice(0, maxCount).map((r) => r.tx), stale };
  }

  /** Removes transactions that were included or dropped. Call inside the block's SQL transaction. */
  remove(hashes: Hex[]): void {
    run(this.sql, whereIn('DELETE FROM pool WHERE hash IN', hashes));
  }

  /** After the block's transaction committed. */
  afterRemove(hashes: Hex[]): void {
    for (const h of hashes) {
      const tx = this.byHash.get(h);
      if (tx) this.unindex(tx);
    }
  }

  private index(p: PoolTx): void {
    this.byHash.set(p.hash, p);
    let m = this.bySender.get(p.sender);
    if (!m) {
      m = new Map();
      this.bySender.set(p.sender, m);
    }
    m.set(p.nonce, p);
  }

  private unindex(p: PoolTx): void {
    this.byHash.delete(p.hash);
    const m = this.bySender.get(p.sender);
    if (!m) return;
    if (m.get(p.nonce)?.hash === p.hash) m.delete(p.nonce);
    if (m.size === 0) this.bySender.delete(p.sender);
  }
}
