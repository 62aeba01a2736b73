/**
 * Closed loop: C clients, each repeatedly signs a transfer, sends it and waits for its receipt
 * (one eth_sendRawTransactionSync call, or eth_sendRawTransaction then polling), recording
 * send-to-receipt latency, until the duration is over (in-flight transactions finish).
 */
import type { Hex } from 'viem';
import type { PrivateKeyAccount } from 'viem/accounts';
import { currentFees, pendingNonce, sendRaw, signTransfer } from './accounts.ts';
import { call, type Deadline, DeadlineError, percentile, waitForReceipt } from './util.ts';

export interface ClosedLoopOptions {
  chainId: number;
  clients: readonly PrivateKeyAccount[];
  sink: Hex;
  durationS: number;
  pollMs: number;
  receipts: 'sync' | 'poll';
  /** Longest one transaction may wait for its receipt. */
  receiptTimeoutMs: number;
  /** Hard stop for the whole phase. */
  deadline: Deadline;
}

export interface ClosedLoopResult {
  /** Block height of the target when the phase started. */
  startBlock: number;
  clients: number;
  count: number;
  elapsedMs: number;
  tps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Upper bound on transactions per client, so the loop is bounded in count as well as in time. */
const MAX_TX_PER_CLIENT = 1_000_000;

export async function runClosedLoop(url: string, o: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const startBlock = Number(BigInt(await call<string>(url, 'eth_blockNumber')));
  const fees = await currentFees(url);
  const nonces = await Promise.all(o.clients.map((a) => pendingNonce(url, a.address)));
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + o.durationS * 1000;
  await Promise.all(
    o.clients.map(async (account, c) => {
      let nonce = nonces[c] as number;
      for (let i = 0; i < MAX_TX_PER_CLIENT && performance.now() < end; i++) {
        if (Date.now() > o.deadline.at) throw new DeadlineError(`timed out: ${o.deadline.what}`);
        const tx = await signTransfer(account, { chainId: o.chainId, nonce: nonce++, to: o.sink, value: 1n, fees });
        const sentAt = performance.now();
        let receipt: { status: string };
        try {
          if (o.receipts === 'sync') {
            receipt = await call<{ status: string }>(url, 'eth_sendRawTransactionSync', [tx.raw]);
          } else {
            await sendRaw(url, tx);
            const perTx: Deadline = {
              at: Math.min(o.deadline.at, Date.now() + o.receiptTimeoutMs),
              what: `closed-loop client ${c} waiting for the receipt of nonce ${tx.nonce}`,
            };
            receipt = await waitForReceipt(url, tx.hash, o.pollMs, perTx);
          }
        } catch (e) {
          throw new Error(`closed-loop client ${c} nonce ${tx.nonce}: ${(e as Error).message}`);
        }
        latencies.push(performance.now() - sentAt);
        if (receipt.status !== '0x1') throw new Error(`closed-loop client ${c}: ${tx.hash} has status ${receipt.status}`);
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  return {
    startBlock,
    clients: o.clients.length,
    count: latencies.length,
    elapsedMs,
    tps: (latencies.length / elapsedMs) * 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
  };
}
