/**
 * WebSocket subscribers for `npm run bench -- --subscribers N`: N sockets to the chain's RPC URL,
 * each with a newHeads subscription (every tenth also a logs one, matching every log), held open
 * while a load runs. The delay of each newHeads notification is its arrival here minus the
 * `sealedAt` the hub puts beside it (the sequencer's clock when it pushed the sealed block; same
 * machine, same clock).
 */
import { checkDeadline, type Deadline, percentile, sleep } from './util.ts';

/** Sockets opened at once while connecting. */
const CONNECT_CONCURRENCY = 50;

export interface SubscriberStats {
  sockets: number;
  /** Sockets the chain closed during the window (a dropped slow client, a hub fault). */
  closed: number;
  blocks: number;
  /** newHeads notifications received, and how many were expected (blocks x sockets open). */
  heads: number;
  expectedHeads: number;
  logs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface Subscribers {
  /** Starts a measurement window: counts and delays from now on. */
  reset(): void;
  stats(): SubscriberStats;
  close(): Promise<void>;
}

export async function openSubscribers(httpUrl: string, n: number, deadline: Deadline): Promise<Subscribers> {
  const url = httpUrl.replace(/^http/, 'ws');
  const sockets: WebSocket[] = [];
  let delays: number[] = [];
  let blocks = new Set<string>();
  let heads = 0;
  let logs = 0;
  let closed = 0;
  let measuring = false;
  const open = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url);
      let pending = i % 10 === 0 ? 2 : 1;
      const subs = new Set<string>();
      ws.addEventListener('open', () => {
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
        if (i % 10 === 0) ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'eth_subscribe', params: ['logs', {}] }));
      });
      ws.addEventListener('message', (e) => {
        const now = Date.now();
        const text = String(e.data);
        // Notifications are read without JSON.parse: this process also drives the load, on the same cores.
        if (text.startsWith('{"jsonrpc":"2.0","method":"eth_subscription"')) {
          if (!measuring) return;
          const at = text.lastIndexOf(',"sealedAt":');
          if (at < 0) {
            logs++;
            return;
          }
          const n = text.indexOf('"number":"');
          heads++;
          blocks.add(text.slice(n + 10, text.indexOf('"', n + 10)));
          delays.push(now - Number(text.slice(at + 12, text.indexOf('}', at))));
          return;
        }
        const m = JSON.parse(text) as { id?: number; result?: string; error?: unknown };
        if (m.id !== undefined) {
          if (m.error || !m.result) return reject(new Error(`eth_subscribe refused: ${JSON.stringify(m.error)}`));
          subs.add(m.result);
          if (--pending === 0) resolve();
        }
      });
      ws.addEventListener('error', () => reject(new Error(`socket ${i} failed`)));
      ws.addEventListener('close', () => {
        if (measuring) closed++;
      });
      sockets.push(ws);
    });
  for (let i = 0; i < n; i += CONNECT_CONCURRENCY) {
    checkDeadline(deadline);
    await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, n - i) }, (_, k) => open(i + k)));
  }
  return {
    reset() {
      delays = [];
      blocks = new Set();
      heads = 0;
      logs = 0;
      closed = 0;
      measuring = true;
    },
    stats() {
      return {
        sockets: n,
        closed,
        blocks: blocks.size,
        heads,
        expectedHeads: blocks.size * (n - closed),
        logs,
        p50Ms: percentile(delays, 50),
        p99Ms: percentile(delays, 99),
        maxMs: percentile(delays, 100),
      };
    },
    async close() {
      measuring = false;
      for (const ws of sockets) ws.close(1000);
      await sleep(200);
    },
  };
}
