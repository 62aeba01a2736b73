/**
 * Proving figures of the chain over a bench run, from its /status endpoint: the proving lag when
 * the loads end, the time until every block is proven, and blocks and transactions proven per
 * second from the start of the run until the lag is zero.
 */
import { call } from './util.ts';

export interface ProvingStatus {
  head: number;
  proofs: number;
  provingLag: number;
  failures: number;
}

export interface ProvingFigures {
  blocks: number;
  transactions: number;
  seconds: number;
  blocksPerSecond: number;
  transactionsPerSecond: number;
  lagAtEndOfLoad: number;
  drainSeconds: number;
  drained: boolean;
  failures: number;
}

/** /status, asked again (up to 20 times) while its proving fields are unknown (D1 unreadable). */
export async function provingStatus(url: string): Promise<ProvingStatus> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await fetch(new URL('/status', url));
    if (!res.ok) throw new Error(`/status answered ${res.status}`);
    const s = (await res.json()) as ProvingStatus & { proofs: number | null };
    if (s.proofs !== null) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('/status did not report proving figures');
}

/** Waits (bounded) for the lag to reach zero after the loads, then counts what was proven. */
export async function provingFigures(url: string, start: ProvingStatus, startedAt: number, maxDrainMs: number): Promise<ProvingFigures> {
  const endOfLoad = await provingStatus(url);
  const drainStart = performance.now();
  let s = endOfLoad;
  while (s.provingLag > 0 && performance.now() - drainStart < maxDrainMs) {
    await new Promise((r) => setTimeout(r, 250));
    s = await provingStatus(url);
  }
  const done = performance.now();
  let transactions = 0;
  for (let n = start.head + 1; n <= s.head; n++) {
    transactions += Number(BigInt(await call<string>(url, 'eth_getBlockTransactionCountByNumber', [`0x${n.toString(16)}`])));
  }
  const seconds = (done - startedAt) / 1000;
  const blocks = s.proofs - start.proofs;
  return {
    blocks,
    transactions,
    seconds,
    blocksPerSecond: blocks / seconds,
    transactionsPerSecond: transactions / seconds,
    lagAtEndOfLoad: endOfLoad.provingLag,
    drainSeconds: (done - drainStart) / 1000,
    drained: s.provingLag === 0,
    failures: s.failures - start.failures,
  };
}

export function renderProving(f: ProvingFigures): string {
  return [
    'Proving (chain): every sealed block re-executed from its trace by the prover and signed',
    `  ${f.blocks} blocks / ${f.transactions} transactions proven in ${f.seconds.toFixed(1)} s from the start of the run: ${f.blocksPerSecond.toFixed(1)} blocks/s, ${f.transactionsPerSecond.toFixed(0)} tx/s`,
    `  proving lag when the loads ended: ${f.lagAtEndOfLoad} blocks; ${f.drained ? `zero after ${f.drainSeconds.toFixed(1)} s more` : `NOT zero after ${f.drainSeconds.toFixed(1)} s`}; refused jobs: ${f.failures}`,
  ].join('\n');
}
