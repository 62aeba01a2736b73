/**
 * Benchmark Worker for docs/decisions/0002: the sequencer's hot call ("take a batch of K
 * transactions, make each durable in SQLite, return their hashes") made through
 *   - native Durable Object RPC (`class extends DurableObject`, `await stub.submit(batch)`), and
 *   - itty-durable 2.4.1 (`createDurable()` + `proxyDurable(...).get(name).submit(batch)`, which
 *     sends the arguments as JSON in a `do-content` header of a GET fetch and parses the JSON reply).
 * Both classes use SQLite storage (`new_sqlite_classes`) and do the same inserts.
 *
 * Routes (all POST or GET, answers JSON):
 *   /native?k=K, /itty?k=K               one call with a fresh batch of K transactions
 *   /none?k=K                            baseline: builds the batch, makes no Durable Object call
 *   /native-loop?n=N&k=K[&op=echo], /itty-loop?...  N sequential calls inside this one request; elapsed ms by
 *                                        Date.now(); op=echo makes the same call without touching storage
 *   /clock-check                         whether Date.now() moves during CPU work alone (deployed: no; local
 *                                        workerd: yes) and whether it moves across a DO call (both: yes)
 *   /count                               rows stored by each object
 *   /errors                              what the caller sees of a RangeError (with a `code`) thrown in each object
 */
import { DurableObject } from 'cloudflare:workers';
import { createDurable, proxyDurable } from 'itty-durable';

export interface Tx {
  raw: string;
  sender: string;
}

interface Env {
  NATIVE: DurableObjectNamespace<NativeSequencer>;
  ITTY: DurableObjectNamespace;
}

/** The stub that itty-durable's proxyDurable() returns: every property is a method sent over fetch. */
interface IttySequencerStub {
  submit(txs: Tx[]): Promise<string[]>;
  echo(txs: Tx[]): Promise<string[]>;
  count(): Promise<number>;
  fail(): Promise<never>;
}

const OBJECT_NAME = 'sequencer';
const MAX_K = 4096;
const MAX_N = 5000;

const CREATE_TABLE = 'CREATE TABLE IF NOT EXISTS txs (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, raw TEXT NOT NULL, sender TEXT NOT NULL)';

/** Deterministic 64-bit string hash (two FNV-1a lanes): cheap, and identical for both interfaces. */
function hashOf(raw: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ raw.length;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return `0x${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

/** The work both objects do: one INSERT per transaction (coalesced into one implicit write by the runtime). */
function storeBatch(sql: SqlStorage, txs: Tx[]): string[] {
  const hashes: string[] = new Array(txs.length);
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i];
    const hash = hashOf(tx.raw);
    sql.exec('INSERT INTO txs (hash, raw, sender) VALUES (?, ?, ?)', hash, tx.raw, tx.sender);
    hashes[i] = hash;
  }
  return hashes;
}

/** What a rejected transaction might throw: a standard error type with a JSON-RPC code attached. */
function rejection(): RangeError {
  return Object.assign(new RangeError('nonce too low: next nonce 5, tx nonce 3'), { code: -32000 });
}

/** What the caller sees of an error thrown inside the Durable Object. */
async function observeError(call: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call();
    return { threw: false };
  } catch (e) {
    const err = e as Error & { code?: unknown; status?: unknown };
    return {
      threw: true,
      isRangeError: e instanceof RangeError,
      name: err.name,
      message: err.message,
      code: err.code ?? null,
      status: err.status ?? null,
    };
  }
}

function countRows(sql: SqlStorage): number {
  return sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM txs').one().n;
}

export class NativeSequencer extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(CREATE_TABLE);
  }

  submit(txs: Tx[]): string[] {
    return storeBatch(this.ctx.storage.sql, txs);
  }

  /** Same call without storage: isolates the interface's own cost. */
  echo(txs: Tx[]): string[] {
    return txs.map((tx) => hashOf(tx.raw));
  }

  count(): number {
    return countRows(this.ctx.storage.sql);
  }

  fail(): never {
    throw rejection();
  }
}

// itty-durable types its state as `{}`; at run time it is the DurableObjectState workerd passes in.
const IttyBase = createDurable({ autoPersist: false, autoReturn: false });

export class IttySequencer extends IttyBase {
  constructor(state: DurableObjectState, env: Env) {
    super(state, env);
    state.storage.sql.exec(CREATE_TABLE);
  }

  private get sql(): SqlStorage {
    return (this.state as DurableObjectState).storage.sql;
  }

  submit(txs: Tx[]): string[] {
    return storeBatch(this.sql, txs);
  }

  echo(txs: Tx[]): string[] {
    return txs.map((tx) => hashOf(tx.raw));
  }

  count(): number {
    return countRows(this.sql);
  }

  fail(): never {
    throw rejection();
  }
}

/** K transactions shaped like the sequencer's input: raw = 0x + 110 bytes, sender = 0x + 20 bytes. */
function makeBatch(k: number, seed: number): Tx[] {
  const txs: Tx[] = new Array(k);
  for (let i = 0; i < k; i++) {
    const tag = ((seed * 4096 + i) >>> 0).toString(16).padStart(8, '0');
    txs[i] = { raw: `0x${tag}${'ab'.repeat(106)}`, sender: `0x${tag}${'cd'.repeat(16)}` };
  }
  return txs;
}

let seedCounter = 0;

function intParam(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  const v = raw === null ? fallback : Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new RangeError(`${name} must be an integer in [1, ${max}]`);
  return v;
}

function nativeStub(env: Env) {
  return env.NATIVE.get(env.NATIVE.idFromName(OBJECT_NAME));
}

function ittyStub(env: Env): IttySequencerStub {
  return proxyDurable(env.ITTY, { name: 'ITTY', parse: true }).get(OBJECT_NAME) as IttySequencerStub;
}

type Submit = (txs: Tx[]) => Promise<string[]>;
type Op = 'submit' | 'echo';

function submitter(kind: 'native' | 'itty', env: Env, op: Op = 'submit'): Submit {
  if (kind === 'native') {
    const stub = nativeStub(env);
    return op === 'submit' ? (txs) => stub.submit(txs) : (txs) => stub.echo(txs);
  }
  const stub = ittyStub(env);
  return op === 'submit' ? (txs) => stub.submit(txs) : (txs) => stub.echo(txs);
}

async function handle(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const route = url.pathname.replace(/^\/+|\/+$/g, '');
  switch (route) {
    case 'none': {
      // Baseline: same request and batch generation, no Durable Object call.
      const k = intParam(url, 'k', 1, MAX_K);
      const batch = makeBatch(k, ++seedCounter);
      return Response.json({ k, last: hashOf(batch[k - 1].raw) });
    }
    case 'native':
    case 'itty': {
      const k = intParam(url, 'k', 1, MAX_K);
      const hashes = await submitter(route, env)(makeBatch(k, ++seedCounter));
      if (hashes.length !== k) throw new Error(`expected ${k} hashes, got ${hashes.length}`);
      return Response.json({ k, last: hashes[k - 1] });
    }
    case 'native-loop':
    case 'itty-loop': {
      const k = intParam(url, 'k', 1, MAX_K);
      const n = intParam(url, 'n', 100, MAX_N);
      const op = url.searchParams.get('op') ?? 'submit';
      if (op !== 'submit' && op !== 'echo') throw new RangeError('op must be submit or echo');
      const submit = submitter(route === 'native-loop' ? 'native' : 'itty', env, op);
      const batch = makeBatch(k, ++seedCounter);
      const samples: number[] = new Array(n);
      const start = Date.now();
      let prev = start;
      for (let i = 0; i < n; i++) {
        const hashes = await submit(batch);
        if (hashes.length !== k) throw new Error(`expected ${k} hashes, got ${hashes.length}`);
        const now = Date.now();
        samples[i] = now - prev;
        prev = now;
      }
      return Response.json({ n, k, op, elapsedMs: prev - start, samples });
    }
    case 'clock-check': {
      // Deployed, Date.now() only advances on I/O (a Durable Object call is I/O); in local workerd it
      // also advances during CPU work. Either way the loop timings above bracket I/O, so they are meaningful.
      const t0 = Date.now();
      let x = 0;
      for (let i = 0; i < 20_000_000; i++) x = (x + Math.imul(i, 2654435761)) | 0;
      const t1 = Date.now();
      await nativeStub(env).submit(makeBatch(1, ++seedCounter));
      const t2 = Date.now();
      return Response.json({ cpuOnlyMs: t1 - t0, afterDoCallMs: t2 - t0, sink: x });
    }
    case 'errors': {
      const native = await observeError(() => nativeStub(env).fail());
      const itty = await observeError(() => ittyStub(env).fail());
      return Response.json({ native, itty });
    }
    case 'count': {
      const [native, itty] = await Promise.all([nativeStub(env).count(), ittyStub(env).count()]);
      return Response.json({ native, itty });
    }
    default:
      return Response.json({ error: `unknown route /${route}` }, { status: 404 });
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      return await handle(request, env);
    } catch (e) {
      const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return Response.json({ error: message }, { status: 500 });
    }
  },
} satisfies ExportedHandler<Env>;
