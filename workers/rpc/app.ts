import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { type ChainConfig, parseChainConfig } from '../../core/chain/config.ts';
import { LimitExceededError, toErrorObject } from '../../core/errors.ts';
import type { ProvingWait } from '../../core/settlement/settler.ts';
import { deploymentStatus } from '../deployment.ts';
import { type Env, hubShards, hubStub, settlementStub } from '../env.ts';
import { RpcContext, submitCoalescer } from './context.ts';
import { callCount, dispatch, parseBody } from './dispatch.ts';
import { CLIENT_VERSION } from './methods/web3_clientVersion.ts';
import { charge, identifyClient, refusalResponse } from './rateLimit.ts';

/** Largest request body accepted, as geth's HTTP server: 5 MiB. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

const configs = new WeakMap<Env, ChainConfig>();
export function chainConfig(env: Env): ChainConfig {
  let c = configs.get(env);
  if (!c) {
    c = parseChainConfig(env);
    configs.set(env, c);
  }
  return c;
}

/**
 * The JSON-RPC endpoint: POST / (and any path, as some clients append one), CORS for wallets, per-client
 * rate limits on every call (rateLimit.ts).
 */
export const app = new Hono<{ Bindings: Env }>();

/**
 * WebSocket JSON-RPC on the same URL: the upgrade goes to a subscription hub (durable-objects/hub.ts)
 * picked at random among HUB_SHARDS, or, when that one is full, to another one (up to three tries).
 * The client is identified here as for HTTP (an unknown API key: 401) and the upgrade counts as a
 * call. Registered before CORS: a 101 response carries no CORS headers.
 */
app.use('*', async (c, next) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return next();
  const client = identifyClient(c.req.raw, c.env);
  if ('status' in client) return refusalResponse(client);
  const refused = await charge(c.env, client, 1);
  if (refused) return refusalResponse(refused);
  const shards = hubShards(c.env);
  let res: Response | undefined;
  for (let attempt = 0; attempt < Math.min(3, shards); attempt++) {
    const shard = Math.floor(Math.random() * shards);
    const headers = new Headers(c.req.raw.headers);
    headers.set('x-rpc-client', JSON.stringify(client));
    headers.set('x-hub-shard', String(shard));
    res = await hubStub(c.env, shard).fetch(new Request(c.req.raw.url, { headers }));
    if (res.status !== 503) return res;
  }
  return res ?? c.text('no subscription hub', 503);
});

app.use('*', cors({ origin: '*', allowMethods: ['POST', 'GET', 'OPTIONS'], allowHeaders: ['Content-Type', 'Authorization'], maxAge: 86400 }));

/**
 * How long an isolate answers /status from its last reading: each reading costs D1 rows and two
 * Durable Object calls, and dashboards poll. The cached value is a finished reading, never a
 * promise, so no request waits on another's I/O.
 */
export const STATUS_TTL_MS = 2_000;
type StatusReading = Record<string, unknown> & { readAt: number };
/** One reading per isolate and index database (the binding object stays the same across requests). */
const statusCache = new WeakMap<object, StatusReading>();

async function readStatus(env: Env, waitUntil: (p: Promise<unknown>) => void): Promise<StatusReading> {
  const stub = new RpcContext(env, chainConfig(env), waitUntil);
  const [sequencer, indexedHead, proving, settlement] = await Promise.all([
    stub.sequencer.status(),
    stub.index.indexedHead(),
    stub.index.provingStatus().catch((e: unknown) => ({ error: String(e) })),
    settlementStub(env)
      .status()
      .catch((e: unknown) => ({ enabled: null, error: String(e) })),
  ]);
  const head = Number(sequencer.head);
  // Blocks 1..head each get exactly one proof (the genesis needs none): the lag counts the gaps too.
  // When D1 cannot be read, the proving fields are null rather than a misleading zero.
  const provingFields =
    'error' in proving
      ? { provenHead: null, proofs: null, failures: null, deadLetters: null, provingLag: null, provingError: proving.error }
      : { ...proving, provingLag: head - proving.proofs };
  return {
    client: CLIENT_VERSION,
    chainId: chainConfig(env).chainId.toString(),
    deployment: deploymentStatus(env),
    ...sequencer,
    head,
    indexedHead,
    ...provingFields,
    settlement,
    errors: statusErrors(env, sequencer, settlement, Date.now()),
    readAt: Date.now(),
  };
}

/** Settlement waiting this long for the block proofs of its next batch is an error (PROVING_STALL_MS). */
export const PROVING_STALL_MS = 600_000;

/**
 * What needs an operator's eye, in a sentence each (empty when the pipeline is healthy): a stall of
 * settlement on missing block proofs past PROVING_STALL_MS, outbox entries set aside, traces that
 * never reached R2.
 */
function statusErrors(env: Env, sequencer: { outboxSetAside: SetAside }, settlement: SettlementStatus, now: number): string[] {
  const errors: string[] = [];
  const stallMs = Number(env.PROVING_STALL_MS ?? PROVING_STALL_MS);
  const wait = 'waiting' in settlement ? settlement.waiting : null;
  if (wait && now - wait.since > stallMs) {
    errors.push(
      `settlement has waited ${Math.round((now - wait.since) / 1000)} s (more than PROVING_STALL_MS) to prove batches ${wait.batches[0]}..${wait.batches[1]}: ${wait.missing} blocks have no proof (${wait.missingBlocks.slice(0, 8).join(', ')}${wait.missing > 8 ? ', ...' : ''}; block ${wait.missingBlocks[0]} was sealed ${Math.round(now / 1000 - wait.firstMissingTimestamp)} s ago)`,
    );
  }
  const aside = sequencer.outboxSetAside;
  if (aside.count > 0) {
    const e = aside.entries[0];
    errors.push(
      `${aside.count} outbox entries are set aside after failing ${e.attempts}+ times (retried later; the first: ${e.kind} of block ${e.block}, next try ${new Date(e.nextAt).toISOString()}: ${e.error})`,
    );
  }
  const missing = 'proving' in settlement ? (settlement.proving?.last?.traceMissing ?? []) : [];
  if (missing.length > 0) errors.push(`no trace blob in R2 for blocks ${missing.slice(0, 8).join(', ')}: their proving jobs cannot be sent again`);
  return errors;
}

type SetAside = { count: number; entries: { kind: string; block: number; attempts: number; nextAt: number; error: string | null }[] };
type SettlementStatus = { waiting?: ProvingWait | null; proving?: { last: { traceMissing: number[] } | null } } | { enabled: null; error: string };

app.get('/status', async (c) => {
  let reading = statusCache.get(c.env.INDEX_DB);
  if (!reading || Date.now() - reading.readAt >= STATUS_TTL_MS) {
    reading = await readStatus(c.env, (p) => c.executionCtx.waitUntil(p));
    statusCache.set(c.env.INDEX_DB, reading);
  }
  // Durable Object calls this edge isolate made for eth_sendRawTransaction, and the transactions they carried.
  const coalescer = submitCoalescer(c.env);
  const edge = { submitCalls: coalescer.calls, submittedTxs: coalescer.carried };
  return c.json({ ...reading, edge }, 200, { 'Cache-Control': `max-age=${STATUS_TTL_MS / 1000}` });
});

app.get('/', (c) => c.text(`${CLIENT_VERSION}: JSON-RPC over HTTP POST on this URL, or over a WebSocket (ws://) to it\n`));

/**
 * Reads the body up to `limit` bytes. Past the limit the rest is drained and dropped, so the
 * client finishes its upload and reads the 413 instead of a reset connection.
 */
async function readBody(req: Request, limit: number): Promise<string | null> {
  const declared = Number(req.headers.get('content-length') ?? Number.NaN);
  // The common case: a declared length within the limit (HTTP framing holds the body to it).
  if (declared <= limit) return req.text();
  const body = req.body;
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) return null;
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

app.post('*', async (c) => {
  const client = identifyClient(c.req.raw, c.env);
  if ('status' in client) return refusalResponse(client);
  // One call is counted before the body is read, so that a client over its limit costs no parsing.
  const early = await charge(c.env, client, 1);
  if (early) return refusalResponse(early);
  const body = await readBody(c.req.raw, MAX_BODY_BYTES);
  if (body === null) {
    return c.json({ jsonrpc: '2.0', id: null, error: toErrorObject(new LimitExceededError(`request body too large: limit ${MAX_BODY_BYTES} bytes`)) }, 413);
  }
  const parsed = parseBody(body);
  const rest = await charge(c.env, client, callCount(parsed) - 1);
  if (rest) return refusalResponse(rest);
  const result = await dispatch(parsed, new RpcContext(c.env, chainConfig(c.env), (p) => c.executionCtx.waitUntil(p), { client }));
  if (result === null) return c.body(null, 204);
  return c.json(result);
});
