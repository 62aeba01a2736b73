import { evictDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { hubShards, hubStub } from '../../workers/env.ts';
import { result, signedTransfer } from './rpc.ts';

/** A client WebSocket to the Worker's own fetch handler, with every message it receives kept in order. */
async function connect(opts: { read?: boolean } = {}) {
  const res = await exports.default.fetch('http://chain/', { headers: { upgrade: 'websocket' } });
  expect(res.status).toBe(101);
  const ws = res.webSocket as WebSocket;
  const received: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let closed: { code: number; reason: string } | undefined;
  ws.addEventListener('message', (e) => {
    received.push(JSON.parse(e.data as string));
    for (const w of waiters.splice(0)) w();
  });
  ws.addEventListener('close', (e) => {
    closed = { code: e.code, reason: e.reason };
    for (const w of waiters.splice(0)) w();
  });
  if (opts.read !== false) ws.accept();
  let nextId = 1;
  const until = async (pred: () => boolean, what: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(received).slice(0, 500)}`);
      await Promise.race([new Promise<void>((r) => waiters.push(r)), new Promise((r) => setTimeout(r, 50))]);
    }
  };
  const request = async (method: string, params: unknown[] = []) => {
    const id = nextId++;
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    await until(() => received.some((m) => m.id === id), `the answer to ${method}`);
    return received.find((m) => m.id === id) as { result?: unknown; error?: { code: number; message: string } };
  };
  const notifications = (sub: unknown) =>
    received.filter((m) => m.method === 'eth_subscription' && (m.params as { subscription: unknown }).subscription === sub).map((m) => (m.params as { result: unknown }).result);
  return { ws, received, request, notifications, until, closed: () => closed };
}

describe('WebSocket JSON-RPC and subscriptions in workerd', () => {
  it('answers HTTP methods over the socket and notifies newHeads and logs', async () => {
    const c = await connect();
    expect((await c.request('eth_chainId')).result).toBe('0x7a69');
    const heads = (await c.request('eth_subscribe', ['newHeads'])).result as string;
    expect(heads).toMatch(/^0x[0-9a-f]{32}$/);
    const hash = await result<string>('eth_sendRawTransaction', [await signedTransfer(5, 0)]);
    await c.until(() => c.notifications(heads).length > 0, 'a newHeads notification');
    const head = c.notifications(heads)[0] as Record<string, string>;
    const block = await result<{ hash: string; transactions: string[] }>('eth_getBlockByNumber', [head.number, false]);
    expect(head.hash).toBe(block.hash);
    expect(block.transactions).toContain(hash);
    expect(head).not.toHaveProperty('transactions');
    c.ws.close(1000);
  });

  it('keeps subscriptions across an eviction of its hub between two blocks (hibernation)', async () => {
    const c = await connect();
    const sub = (await c.request('eth_subscribe', ['newHeads'])).result as string;
    await result('eth_sendRawTransactionSync', [await signedTransfer(6, 0)]);
    await c.until(() => c.notifications(sub).length >= 1, 'the first block');
    const before = c.notifications(sub).length;
    for (let shard = 0; shard < hubShards(env); shard++) await evictDurableObject(hubStub(env, shard)).catch(() => undefined);
    await result('eth_sendRawTransactionSync', [await signedTransfer(6, 1)]);
    await c.until(() => c.notifications(sub).length > before, 'a block after the eviction');
    expect(c.closed()).toBeUndefined();
    c.ws.close(1000);
  });
});
