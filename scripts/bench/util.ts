/** Small helpers shared by the benchmark modules: bounded RPC calls, deadlines, receipt polling, statistics. */
import { rpc } from '../lib/rpc.ts';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Thrown when a phase runs past its deadline; bench.ts reports it as a failure of that target. */
export class DeadlineError extends Error {}

export interface Deadline {
  /** Absolute time (Date.now() scale) after which work must stop. */
  at: number;
  /** What the deadline guards, for the error message. */
  what: string;
}

export function deadline(what: string, ms: number): Deadline {
  return { at: Date.now() + ms, what };
}

export function checkDeadline(d: Deadline): void {
  if (Date.now() > d.at) throw new DeadlineError(`timed out: ${d.what}`);
}

/** Longest a single JSON-RPC call may take before it counts as a failure. */
export const RPC_CALL_TIMEOUT_MS = 30_000;

/** rpc() from scripts/lib bounded in time: a hung endpoint fails the call instead of hanging the benchmark. */
export async function call<T = unknown>(url: string, method: string, params: unknown[] = [], timeoutMs = RPC_CALL_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${method} got no answer within ${timeoutMs} ms from ${url}`)), timeoutMs);
  });
  try {
    return await Promise.race([rpc<T>(url, method, params), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Receipt {
  transactionHash: string;
  status: string;
  blockNumber: string;
  gasUsed: string;
  from: string;
}

/** Polls eth_getTransactionReceipt every `intervalMs` until the receipt appears or the deadline passes. */
export async function waitForReceipt(url: string, hash: string, intervalMs: number, d: Deadline): Promise<Receipt> {
  for (;;) {
    const receipt = await call<Receipt | null>(url, 'eth_getTransactionReceipt', [hash]);
    if (receipt) return receipt;
    if (Date.now() > d.at) throw new DeadlineError(`timed out: ${d.what} (no receipt for ${hash})`);
    await sleep(intervalMs);
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Nearest-rank percentile of an unsorted list (p in 0..100); NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
