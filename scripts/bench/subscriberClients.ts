/**
 * The WebSocket subscribers of `npm run bench -- --subscribers N`, in a process of their own
 * (forked by subscribers.ts, which lowers its CPU priority): on a real deployment subscribers run on
 * other machines, so their CPU is measured apart from the chain's, and their message handling does
 * not compete with the bench's load client for one event loop. Usage: forked with the chain's RPC
 * URL and N; it answers `ready` once every socket is subscribed, then `reset` (start a window) and
 * `stats` (the window's figures) until `close`.
 *
 * Each socket holds a newHeads subscription (every tenth also a logs one, matching every log).
 * Notifications are read without JSON.parse: only the block number and `sealedAt` (which the hub
 * puts beside each newHeads notification) are cut out of the text. The delay is the arrival here
 * minus `sealedAt` (the sequencer's clock when it sealed the block; same machine, same clock).
 */
import { percentile } from './util.ts';

/** Sockets opened at once while connecting. */
const CONNECT_CONCURRENCY = 50;

/** What the parent asks (over the IPC channel). */
export type ClientsRequest = { type: 'reset' } | { type: 'stats' } | { type: 'close' };
/** What this process answers. */
export type ClientsReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'stats'; closed: number; blocks: number; heads: number; logs: number; p50Ms: number; p99Ms: number; maxMs: number };

const HEAD_PREFIX = '{"jsonrpc":"2.0","method":"eth_subscription"';

function reply(m: ClientsReply): void {
  process.send?.(m);
}

async function main(url: string, n: number): Promise<void> {
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
      ws.addEventListener('open', () => {
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
        if (i % 10 === 0) ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'eth_subscribe', params: ['logs', {}] }));
      });
      ws.addEventListener('message', (e) => {
        const now = Date.now();
        const text = String(e.data);
        if (text.startsWith(HEAD_PREFIX)) {
          if (!measuring) return;
          const at = text.lastIndexOf(',"sealedAt":');
          if (at < 0) {
            logs++;
            return;
          }
          const num = text.indexOf('"number":"');
          heads++;
          blocks.add(text.slice(num + 10, text.indexOf('"', num + 10)));
          delays.push(now - Number(text.slice(at + 12, text.indexOf('}', at))));
          return;
        }
        const m = JSON.parse(text) as { id?: number; result?: string; error?: unknown };
        if (m.id !== undefined) {
          if (m.error || !m.result) return reject(new Error(`eth_subscribe refused: ${JSON.stringify(m.error)}`));
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
    await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, n - i) }, (_, k) => open(i + k)));
  }
  process.on('message', (m: ClientsRequest) => {
    if (m.type === 'reset') {
      delays = [];
      blocks = new Set();
      heads = 0;
      logs = 0;
      closed = 0;
      measuring = true;
    } else if (m.type === 'stats') {
      reply({
        type: 'stats',
        closed,
        blocks: blocks.size,
        heads,
        logs,
        p50Ms: percentile(delays, 50),
        p99Ms: percentile(delays, 99),
        maxMs: percentile(delays, 100),
      });
    } else if (m.type === 'close') {
      measuring = false;
      for (const ws of sockets) ws.close(1000);
      setTimeout(() => process.exit(0), 200);
    }
  });
  reply({ type: 'ready' });
}

// The parent going away (a killed bench) ends this process too.
process.on('disconnect', () => process.exit(0));
main(process.argv[2] ?? '', Number(process.argv[3])).catch((e: unknown) => {
  reply({ type: 'failed', message: (e as Error).message });
  setTimeout(() => process.exit(1), 100);
});
