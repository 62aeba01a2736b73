/**
 * Acceptance: a client over its rate limit gets HTTP 429 with a JSON-RPC body, and a client under
 * it is not affected. This file starts its own chain (not the shared one) with low limits through
 * serve.ts --rate-limit / --key-rate-limit, so the binding under test is Miniflare's Rate Limiting
 * implementation. CF-Connecting-IP passes through locally, which lets the test act as many
 * clients; each test uses addresses no other test uses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { type LocalChain, startChain } from '../../scripts/lib/localChain.ts';
import { projectRoot } from '../../scripts/lib/process.ts';
import { RATE_LIMIT_PERIOD_S } from '../../workers/rpc/rateLimit.ts';

const ADDRESS_LIMIT = 40;
const KEY_LIMIT = 100;
const KEYS = ['key-alpha-0123456789', 'key-beta-9876543210'];

const random = (n: number) => Math.floor(Math.random() * n);
/** An address no other test uses: one of 2^24. */
const freshAddress = () => `10.${random(256)}.${random(256)}.${random(256)}`;

interface Reply {
  status: number;
  headers: Headers;
  json: unknown;
}

let chain: LocalChain | undefined;
const persistDir = mkdtempSync(join(tmpdir(), 'edge-rollup-ratelimit-'));

async function post(body: unknown, headers: Record<string, string>, query = ''): Promise<Reply> {
  const res = await fetch(`${chain?.url}/${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

const chainId = (id: number) => ({ jsonrpc: '2.0', id, method: 'eth_chainId', params: [] });
const batchOf = (n: number) => Array.from({ length: n }, (_, i) => chainId(i));

/** Sends `count` copies of `body` as `headers`' client, a few at a time; returns their HTTP statuses. */
async function send(count: number, body: unknown, headers: Record<string, string>, query = ''): Promise<number[]> {
  const statuses: number[] = [];
  for (let sent = 0; sent < count; sent += 8) {
    const replies = await Promise.all(Array.from({ length: Math.min(8, count - sent) }, () => post(body, headers, query)));
    statuses.push(...replies.map((r) => r.status));
  }
  return statuses;
}

/**
 * Waits, when needed, so that the next `needMs` fall inside one counting window. Miniflare's
 * windows are aligned to the clock (window = floor(now / period)): a test that crossed into the
 * next window would find its clients' counters reset halfway.
 */
async function withinOneWindow(needMs = 4000): Promise<void> {
  const periodMs = RATE_LIMIT_PERIOD_S * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 50));
}

function expectRefused(r: Reply, status: number, code: number): string {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  const body = r.json as { jsonrpc: string; id: unknown; result?: unknown; error?: { code: number; message: string } };
  expect(body.jsonrpc).toBe('2.0');
  expect(body.id).toBeNull();
  expect(body.result).toBeUndefined();
  expect(body.error?.code).toBe(code);
  expect(body.error?.message).toBeTypeOf('string');
  return body.error?.message as string;
}

beforeAll(async () => {
  chain = await startChain({ persistDir, rateLimit: ADDRESS_LIMIT, keyRateLimit: KEY_LIMIT, vars: { API_KEYS: ` ${KEYS[0]}, ${KEYS[1]} ` } });
});

afterAll(async () => {
  await chain?.stop();
  rmSync(persistDir, { recursive: true, force: true });
});

describe('rate limits', () => {
  it('wrangler.toml declares both bindings with the period that Retry-After announces, the key limit above the address limit', () => {
    const config = unstable_readConfig({ config: join(projectRoot, 'wrangler.toml') });
    const byName = new Map((config.ratelimits as { name: string; simple: { limit: number; period: number } }[]).map((r) => [r.name, r.simple]));
    expect(byName.get('RPC_RATE_LIMIT')?.period).toBe(RATE_LIMIT_PERIOD_S);
    expect(byName.get('RPC_KEY_RATE_LIMIT')?.period).toBe(RATE_LIMIT_PERIOD_S);
    expect(byName.get('RPC_KEY_RATE_LIMIT')?.limit).toBeGreaterThan(byName.get('RPC_RATE_LIMIT')?.limit ?? Number.POSITIVE_INFINITY);
  });

  it('a client over its limit gets 429 with a JSON-RPC body and Retry-After; another address is not affected', async () => {
    await withinOneWindow();
    const a = { 'cf-connecting-ip': freshAddress(), origin: 'https://wallet.example' };
    expect(await send(ADDRESS_LIMIT, chainId(1), a)).toEqual(Array(ADDRESS_LIMIT).fill(200));

    const over = await post(chainId(1), a);
    expect(expectRefused(over, 429, -32005)).toMatch(/rate limit exceeded for this address/);
    expect(over.headers.get('retry-after')).toBe(String(RATE_LIMIT_PERIOD_S));
    // A wallet in a browser can read the refusal.
    expect(over.headers.get('access-control-allow-origin')).toBe('*');
    expectRefused(await post(chainId(2), a), 429, -32005);

    const other = await post(chainId(3), { 'cf-connecting-ip': freshAddress() });
    expect(other.status).toBe(200);
    expect(other.json).toEqual({ jsonrpc: '2.0', id: 3, result: '0x7a69' });
  });

  it('every call of a batch counts: a batch that would cross the limit is refused as a whole', async () => {
    await withinOneWindow();
    const client = { 'cf-connecting-ip': freshAddress() };
    const size = 7;
    const fits = Math.floor(ADDRESS_LIMIT / size);
    expect(await send(fits, batchOf(size), client)).toEqual(Array(fits).fill(200));
    // Counted per request, this client would have used only `fits` of its calls.
    expectRefused(await post(batchOf(size), client), 429, -32005);
    expectRefused(await post(chainId(1), client), 429, -32005);
    expect((await post(batchOf(size), { 'cf-connecting-ip': freshAddress() })).status).toBe(200);
  });

  it('an IPv6 client is limited by its /64: other addresses of the /64 are refused with it, the next /64 is not', async () => {
    await withinOneWindow();
    const third = random(0x10000).toString(16);
    const fourth = random(0xffff);
    const prefix = `2001:db8:${third}:${fourth.toString(16)}`;
    expect(await send(ADDRESS_LIMIT / 10, batchOf(10), { 'cf-connecting-ip': `${prefix}::1` })).toEqual(Array(ADDRESS_LIMIT / 10).fill(200));
    expectRefused(await post(chainId(1), { 'cf-connecting-ip': `${prefix}:0:0:0:2` }), 429, -32005);
    expectRefused(await post(chainId(1), { 'cf-connecting-ip': `${prefix}:ffff:1:2:3` }), 429, -32005);
    expect((await post(chainId(1), { 'cf-connecting-ip': `2001:db8:${third}:${(fourth + 1).toString(16)}::1` })).status).toBe(200);
  });

  it('an unknown API key is refused with 401, in the header or the query, so inventing keys cannot escape the address limit', async () => {
    await withinOneWindow();
    const ip = freshAddress();
    expect(await send(1, batchOf(ADDRESS_LIMIT), { 'cf-connecting-ip': ip })).toEqual([200]);
    expectRefused(await post(chainId(1), { 'cf-connecting-ip': ip }), 429, -32005);

    const header = await post(chainId(1), { 'cf-connecting-ip': ip, authorization: 'Bearer invented-key' });
    expect(expectRefused(header, 401, -32000)).toMatch(/unknown API key/);
    expect(header.headers.get('www-authenticate')).toBe('Bearer');
    expectRefused(await post(chainId(1), { 'cf-connecting-ip': ip }, '?key=invented-key'), 401, -32000);
    expectRefused(await post(chainId(1), { 'cf-connecting-ip': ip, authorization: 'Basic dXNlcjpwYXNz' }), 401, -32000);
    // A known key beside a different one is no way around the check either.
    expectRefused(await post(chainId(1), { 'cf-connecting-ip': ip, authorization: `Bearer ${KEYS[0]}` }, '?key=invented-key'), 401, -32000);
    // From a fresh address too: an invented key is refused, not taken for a keyless request.
    expectRefused(await post(chainId(1), { 'cf-connecting-ip': freshAddress(), authorization: 'Bearer another-invented-key' }), 401, -32000);
  });

  it('a known API key has its own, higher limit, wherever its requests come from', async () => {
    await withinOneWindow();
    const ip = freshAddress();
    expect(await send(1, batchOf(ADDRESS_LIMIT), { 'cf-connecting-ip': ip })).toEqual([200]);
    expectRefused(await post(chainId(1), { 'cf-connecting-ip': ip }), 429, -32005);

    // The same address with a key (header or query) is counted against the key, not the address.
    const withKey = await post(chainId(7), { 'cf-connecting-ip': ip, authorization: `Bearer ${KEYS[1]}` });
    expect(withKey.status).toBe(200);
    expect(withKey.json).toEqual({ jsonrpc: '2.0', id: 7, result: '0x7a69' });
    expect((await post(chainId(8), { 'cf-connecting-ip': ip }, `?key=${KEYS[1]}`)).status).toBe(200);

    // The key's remaining calls, from other addresses: all admitted up to the key's limit, then 429.
    const rest = KEY_LIMIT - 2;
    const statuses = await Promise.all(
      Array.from({ length: rest / 14 }, () => post(batchOf(14), { 'cf-connecting-ip': freshAddress(), authorization: `Bearer ${KEYS[1]}` })),
    );
    expect(statuses.map((r) => r.status)).toEqual(Array(rest / 14).fill(200));
    const over = await post(chainId(9), { 'cf-connecting-ip': freshAddress(), authorization: `Bearer ${KEYS[1]}` });
    expect(expectRefused(over, 429, -32005)).toMatch(/this API key/);
    expect(over.headers.get('retry-after')).toBe(String(RATE_LIMIT_PERIOD_S));
    // The other key is not affected.
    expect((await post(chainId(10), { 'cf-connecting-ip': ip, authorization: `Bearer ${KEYS[0]}` })).status).toBe(200);
  });
});
