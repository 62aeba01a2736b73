import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { hubShards, hubStub } from '../../workers/env.ts';
import { devAccount } from '../support/accounts.ts';
import { bigLogsInitCode } from '../support/bigLogs.ts';
import { call, result, signedTransfer, waitForReceipt } from './rpc.ts';

const config = parseChainConfig(env);

/** A transaction of development account `from` that emits `count` logs of `size` bytes each. */
async function bigLogs(from: number, nonce: number, count: number, size: number): Promise<string> {
  const raw = await devAccount(from).signTransaction({
    chainId: Number(config.chainId),
    type: 'eip1559',
    nonce,
    data: bigLogsInitCode(count, size),
    gas: config.blockGasLimit,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 1n,
  });
  return result<string>('eth_sendRawTransaction', [raw]);
}

/** A client WebSocket to the Worker's own fetch handler, with every message it receives kept in order. */
async function connect(opts: { read?: boolean; ip?: string } = {}) {
  const res = await exports.default.fetch('http://chain/', { headers: { upgrade: 'websocket', ...(opts.ip ? { 'cf-connecting-ip': opts.ip } : {}) } });
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
    received
      .filter((m) => m.method === 'eth_subscription' && (m.params as { subscription: unknown }).subscription === sub)
      .map((m) => (m.params as { result: unknown }).result);
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
    // Evict every running hub (the socket's among them; eviction of a hub not running is refused).
    let evicted = 0;
    for (let shard = 0; shard < hubShards(env); shard++) {
      await evictDurableObject(hubStub(env, shard)).then(
        () => evicted++,
        () => undefined,
      );
    }
    expect(evicted).toBeGreaterThan(0);
    await result('eth_sendRawTransactionSync', [await signedTransfer(6, 1)]);
    await c.until(() => c.notifications(sub).length > before, 'a block after the eviction');
    expect(c.closed()).toBeUndefined();
    c.ws.close(1000);
  });

  it('drops a client that cannot keep up with its subscriptions while another keeps receiving', { timeout: 120_000 }, async () => {
    // workerd has no bufferedAmount, so a client that stops reading looks like one that is sent more
    // than MAX_NOTIFICATION_BYTES per window: both are dropped with 1008 (durable-objects/hub.ts).
    const heavy = await connect();
    const reader = await connect();
    const logs = (await heavy.request('eth_subscribe', ['logs', {}])).result as string;
    const heads = (await reader.request('eth_subscribe', ['newHeads'])).result as string;
    // Two blocks of 2 x 1.2 MB (hex) of logs: past the heavy socket's 4 MiB per 10 s.
    await waitForReceipt(await bigLogs(7, 0, 2, 600_000), 60_000);
    await waitForReceipt(await bigLogs(7, 1, 2, 600_000), 60_000);
    await heavy.until(() => heavy.closed() !== undefined, 'the heavy client to be dropped');
    expect(heavy.closed()?.code).toBe(1008);
    expect(heavy.closed()?.reason).toMatch(/client too slow/);
    expect(heavy.notifications(logs).length).toBeGreaterThanOrEqual(2);
    // The other client goes on receiving.
    const before = reader.notifications(heads).length;
    await result('eth_sendRawTransactionSync', [await signedTransfer(7, 2)]);
    await reader.until(() => reader.notifications(heads).length > before, 'a block after the drop');
    expect(reader.closed()).toBeUndefined();
  });

  it('notifies logs by address and topic, each with removed: false', { timeout: 60_000 }, async () => {
    const c = await connect();
    const hash = await bigLogs(8, 0, 3, 64);
    const receipt = (await waitForReceipt(hash, 30_000)) as { contractAddress: string | null; logs: { address: string; topics: string[] }[] };
    // The emitting contract's address is the creation's: subscribe for the next one of the same sender.
    const next = (await c.request('eth_getTransactionCount', [devAccount(8).address, 'latest'])).result as string;
    expect(next).toBe('0x1');
    const { getContractAddress } = await import('viem');
    const address = getContractAddress({ from: devAccount(8).address, nonce: 1n });
    const topic1 = `0x${'0'.repeat(63)}1`;
    const byTopic = (await c.request('eth_subscribe', ['logs', { address, topics: [[topic1]] }])).result as string;
    const other = (await c.request('eth_subscribe', ['logs', { address: receipt.logs[0].address }])).result as string;
    await waitForReceipt(await bigLogs(8, 1, 3, 64), 30_000);
    await c.until(() => c.notifications(byTopic).length >= 1, 'the log with topic 1');
    const got = c.notifications(byTopic) as { address: string; topics: string[]; removed: boolean }[];
    expect(got).toHaveLength(1);
    expect(got[0].address).toBe(address.toLowerCase());
    expect(got[0].topics).toEqual([topic1]);
    expect(got[0].removed).toBe(false);
    expect(c.notifications(other)).toHaveLength(0);
    c.ws.close(1000);
  });

  it('answers bad input over the socket with JSON-RPC errors and closes nothing', async () => {
    const c = await connect();
    const bystander = await connect();
    const heads = (await bystander.request('eth_subscribe', ['newHeads'])).result as string;
    c.ws.send('{not json');
    await c.until(() => c.received.some((m) => (m.error as { code?: number } | undefined)?.code === -32700), 'a parse error');
    c.ws.send(new TextEncoder().encode('[]'));
    await c.until(() => c.received.some((m) => (m.error as { code?: number } | undefined)?.code === -32600), 'an invalid request');
    c.ws.send('x'.repeat(1024 * 1024 + 1));
    await c.until(() => c.received.some((m) => /message too large/.test((m.error as { message?: string } | undefined)?.message ?? '')), 'message too large');
    expect((await c.request('eth_unsubscribe', ['0x1234'])).error).toMatchObject({ code: -32000, message: 'subscription not found' });
    expect((await c.request('eth_subscribe', ['nope'])).error?.code).toBe(-32601);
    expect((await c.request('eth_subscribe', ['logs', { address: '0x12' }])).error?.code).toBe(-32602);
    expect((await c.request('eth_subscribe', [])).error?.code).toBe(-32602);
    const ids: string[] = [];
    for (let i = 0; i < 32; i++) ids.push((await c.request('eth_subscribe', ['newHeads'])).result as string);
    expect(new Set(ids).size).toBe(32);
    expect((await c.request('eth_subscribe', ['newHeads'])).error).toMatchObject({ code: -32005 });
    expect((await c.request('eth_unsubscribe', [ids[0]])).result).toBe(true);
    expect((await c.request('eth_unsubscribe', [ids[0]])).error?.code).toBe(-32000);
    // A batch with a subscription in it.
    c.ws.send(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'eth_subscribe', params: ['newHeads'] },
        { jsonrpc: '2.0', id: 'b', method: 'eth_blockNumber' },
      ]),
    );
    await c.until(() => c.received.some((m) => Array.isArray(m)), 'the batch answer');
    // Nothing was closed: both sockets still work and the bystander still receives blocks.
    expect(c.closed()).toBeUndefined();
    expect((await c.request('eth_chainId')).result).toBe('0x7a69');
    await result('eth_sendRawTransactionSync', [await signedTransfer(9, 0)]);
    await bystander.until(() => bystander.notifications(heads).length > 0, 'a block');
    expect(bystander.closed()).toBeUndefined();
    // Over HTTP there is nothing to notify on.
    expect((await call('eth_subscribe', ['newHeads'])).error).toMatchObject({ code: -32601, message: 'notifications not supported' });
    c.ws.close(1000);
    bystander.ws.close(1000);
  });
});

describe('rate limits over the socket', () => {
  it("counts each call against the client's HTTP limit and answers -32005 past it, keeping the socket", { timeout: 120_000 }, async () => {
    // wrangler.toml: 500 calls per 10 s per address (the upgrade is one of them), counted in windows
    // aligned to the clock: 1,000 calls within 10 s put more than 500 in one window.
    const c = await connect({ ip: '10.13.13.13' });
    let refused: { code: number; message: string } | undefined;
    let answered = 0;
    for (let i = 0; i < 100 && !refused; i++) {
      const replies = await Promise.all(Array.from({ length: 10 }, () => c.request('eth_chainId')));
      answered += replies.filter((r) => r.result === '0x7a69').length;
      refused = replies.find((r) => r.error)?.error;
    }
    expect(refused).toMatchObject({ code: -32005 });
    expect(refused?.message).toMatch(/rate limit exceeded/);
    expect(answered).toBeLessThan(1000);
    expect(answered).toBeGreaterThan(400);
    expect(c.closed()).toBeUndefined();
    // Another client is not affected.
    const other = await connect({ ip: '10.14.14.14' });
    expect((await other.request('eth_chainId')).result).toBe('0x7a69');
    c.ws.close(1000);
    other.ws.close(1000);
  });
});

describe('filters over HTTP in workerd', () => {
  it('block, pending-transaction and log filters report what happened since the last poll', { timeout: 60_000 }, async () => {
    const blocks = await result<string>('eth_newBlockFilter');
    const pending = await result<string>('eth_newPendingTransactionFilter');
    const logs = await result<string>('eth_newFilter', [{}]);
    expect(await result('eth_getFilterChanges', [blocks])).toEqual([]);
    const hash = await result<string>('eth_sendRawTransaction', [await signedTransfer(0, 0)]);
    const receipt = await waitForReceipt(hash);
    const logsHash = await bigLogs(0, 1, 2, 32);
    const logsReceipt = (await waitForReceipt(logsHash)) as { logs: unknown[]; blockHash: string };
    const seen = async (id: string, want: (r: unknown[]) => boolean) => {
      const all: unknown[] = [];
      for (let i = 0; i < 100 && !want(all); i++) {
        all.push(...(await result<unknown[]>('eth_getFilterChanges', [id])));
        if (!want(all)) await new Promise((r) => setTimeout(r, 50));
      }
      return all;
    };
    const blockHashes = await seen(blocks, (r) => r.includes(logsReceipt.blockHash));
    expect(blockHashes).toContain(receipt.blockHash);
    expect(await seen(pending, (r) => r.includes(logsHash))).toContain(hash);
    expect(await seen(logs, (r) => r.length >= 2)).toEqual(logsReceipt.logs);
    // Polled again: nothing new.
    expect(await result('eth_getFilterChanges', [logs])).toEqual([]);
    expect(
      await result('eth_getFilterLogs', [
        await result<string>('eth_newFilter', [{ fromBlock: '0x0', address: (logsReceipt.logs[0] as { address: string }).address }]),
      ]),
    ).toEqual(logsReceipt.logs);
    expect(await result('eth_uninstallFilter', [blocks])).toBe(true);
    expect(await result('eth_uninstallFilter', [blocks])).toBe(false);
    expect((await call('eth_getFilterChanges', [blocks])).error).toMatchObject({ code: -32000, message: 'filter not found' });
    expect((await call('eth_getFilterChanges', ['0x1234'])).error).toMatchObject({ code: -32000, message: 'filter not found' });
    expect((await call('eth_newFilter', [{ address: 'nope' }])).error?.code).toBe(-32602);
  });

  it('expires a filter nobody polled for 5 minutes, and bounds filters per client', async () => {
    const id = await result<string>('eth_newBlockFilter');
    const shard = Number.parseInt(id.slice(2, 4), 16);
    await runInDurableObject(hubStub(env, shard), (_i, state) => {
      state.storage.sql.exec('UPDATE filters SET last_poll = last_poll - ? WHERE id = ?', 5 * 60_000 + 1, id);
    });
    expect((await call('eth_getFilterChanges', [id])).error).toMatchObject({ code: -32000, message: 'filter not found' });
    const made: string[] = [];
    let refused: { code: number; message: string } | undefined;
    for (let i = 0; i < 70 && !refused; i++) {
      const r = await call<string>('eth_newBlockFilter');
      if (r.result) made.push(r.result);
      refused = r.error;
    }
    expect(refused).toMatchObject({ code: -32005 });
    expect(made.length).toBeLessThanOrEqual(64);
    for (const f of made) await result('eth_uninstallFilter', [f]);
  });
});
