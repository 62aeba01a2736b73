/**
 * Burst load: N pre-signed transfers split across C senders; each sender sends its own transactions
 * back to back, senders in parallel; the clock stops at the last receipt seen.
 */
import type { Hex } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import { currentFees, pendingNonce, type SignedTx, sendRaw, signTransfer } from './accounts.ts';
import { type CpuSnapshot, cpuPerTx } from './cpu.ts';
import { call, type Deadline, DeadlineError, mapLimit, type Receipt, waitForReceipt } from './util.ts';

export interface BurstOptions {
  chainId: number;
  senders: readonly PrivateKeyAccount[];
  /** Recipient of every transfer (1 wei each). */
  sink: Hex;
  transfers: number;
  pollMs: number;
  deadline: Deadline;
  /** CPU time so far of the target's processes and of this one, taken when the clock starts and stops. */
  cpu?: () => CpuSnapshot;
}

export interface BurstResult {
  /** Block height of the target when the phase started. */
  startBlock: number;
  transfers: number;
  senders: number;
  /** First send to the last eth_sendRawTransaction answer, ms. */
  sendMs: number;
  /** First send to the last receipt seen, ms. */
  totalMs: number;
  /** transfers / totalMs: the headline throughput. */
  tps: number;
  /** transfers / sendMs: how fast the endpoint accepts transactions. */
  acceptTps: number;
  /** Receipts found with status 0x1 in the check after the clock stopped. */
  included: number;
  /** Distinct blocks that hold the burst. */
  blocks: number;
  /** CPU ms per transfer of each process of the target and of the bench client, while the clock ran. */
  cpuMsPerTx?: CpuSnapshot;
}

/** How many of `total` transactions sender `s` of `senders` gets. */
export function shareOf(total: number, senders: number, s: number): number {
  return Math.floor(total / senders) + (s < total % senders ? 1 : 0);
}

export async function runBurst(url: string, o: BurstOptions): Promise<BurstResult> {
  const senders = o.senders.slice(0, Math.min(o.senders.length, o.transfers));
  const startBlock = Number(BigInt(await call<string>(url, 'eth_blockNumber')));
  const fees = await currentFees(url);
  const nonces = await Promise.all(senders.map((a) => pendingNonce(url, a.address)));
  const batches: SignedTx[][] = await Promise.all(
    senders.map(async (account, s) => {
      const txs: SignedTx[] = [];
      const base = nonces[s] as number;
      for (let k = 0; k < shareOf(o.transfers, senders.length, s); k++) {
        txs.push(await signTransfer(account, { chainId: o.chainId, nonce: base + k, to: o.sink, value: 1n, fees }));
      }
      return txs;
    }),
  );

  const cpuBefore = o.cpu?.();
  const start = performance.now();
  let lastSend = start;
  let lastReceipt = start;
  await Promise.all(
    batches.map(async (txs, s) => {
      for (const tx of txs) {
        if (Date.now() > o.deadline.at) throw new DeadlineError(`timed out: ${o.deadline.what} (sender ${s} still sending)`);
        try {
          await sendRaw(url, tx);
        } catch (e) {
          throw new Error(`burst sender ${s} nonce ${tx.nonce}: ${(e as Error).message}`);
        }
      }
      lastSend = Math.max(lastSend, performance.now());
      const last = txs[txs.length - 1];
      if (!last) return;
      await waitForReceipt(url, last.hash, o.pollMs, o.deadline);
      lastReceipt = Math.max(lastReceipt, performance.now());
    }),
  );
  const cpuAfter = o.cpu?.();
  const sendMs = lastSend - start;
  const totalMs = lastReceipt - start;

  // Outside the clock: every transaction of the burst must have a successful receipt.
  const all = batches.flat();
  const receipts = await mapLimit(all, 32, (tx) => call<Receipt | null>(url, 'eth_getTransactionReceipt', [tx.hash]));
  const missing = all.filter((_, i) => !receipts[i]).length;
  const failed = receipts.filter((r) => r && r.status !== '0x1').length;
  if (missing || failed) {
    throw new Error(`burst: ${missing} of ${all.length} transactions have no receipt and ${failed} have status != 0x1`);
  }
  const blocks = new Set(receipts.map((r) => r?.blockNumber)).size;
  return {
    startBlock,
    transfers: all.length,
    senders: senders.length,
    sendMs,
    totalMs,
    tps: (all.length / totalMs) * 1000,
    acceptTps: (all.length / sendMs) * 1000,
    included: all.length,
    blocks,
    cpuMsPerTx: cpuBefore && cpuAfter ? cpuPerTx(cpuBefore, cpuAfter, all.length) : undefined,
  };
}
