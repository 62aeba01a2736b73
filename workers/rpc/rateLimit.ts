import { LimitExceededError, type RpcError, ServerError, toErrorObject } from '../../core/errors.ts';
import type { Env } from '../env.ts';

/**
 * Per-client rate limits at the edge, over Cloudflare's Rate Limiting binding (`[[ratelimits]]` in
 * wrangler.toml). A client is the API key its request carries when that key is one of `API_KEYS`
 * (limited by RPC_KEY_RATE_LIMIT), and otherwise its address (RPC_RATE_LIMIT). A key that is not
 * configured is refused outright, so inventing keys cannot escape the address limit. Every
 * JSON-RPC call counts, each call of a batch too.
 *
 * Transport-neutral: an HTTP POST identifies its client and charges its calls per request; a
 * WebSocket can identify once at the upgrade and charge per message.
 */

/**
 * The period of both bindings in wrangler.toml, in seconds. The binding does not say how long a
 * refused client has to wait; one period is enough for its window to roll over.
 */
export const RATE_LIMIT_PERIOD_S = 10;

export type Client = { kind: 'key'; id: string } | { kind: 'address'; id: string };

/** A request refused before any of its calls ran: the HTTP status and the JSON-RPC error to answer with. */
export interface Refusal {
  status: 401 | 429;
  error: RpcError;
  headers: Record<string, string>;
}

let known: { raw: string; keys: Set<string> } | undefined;
function knownKeys(env: Env): Set<string> {
  const raw = env.API_KEYS ?? '';
  if (known?.raw !== raw) {
    known = {
      raw,
      keys: new Set(
        raw
          .split(',')
          .map((k) => k.trim())
          .filter((k) => k.length > 0),
      ),
    };
  }
  return known.keys;
}

const unauthorized = (message: string): Refusal => ({ status: 401, error: new ServerError(message), headers: { 'WWW-Authenticate': 'Bearer' } });

/** The API key a request carries (`Authorization: Bearer <key>` or `?key=<key>`), null when none, or why it is refused. */
function presentedKey(req: Request): string | null | Refusal {
  const auth = req.headers.get('authorization');
  let header: string | undefined;
  if (auth !== null) {
    const m = /^Bearer +(\S+) *$/i.exec(auth);
    if (!m) return unauthorized('unsupported Authorization header: send "Bearer <API key>"');
    header = m[1];
  }
  const query = new URL(req.url).searchParams.get('key');
  if (header !== undefined && query !== null && header !== query) return unauthorized('two different API keys in one request (Authorization and ?key=)');
  return header ?? query;
}

/** The 16-bit groups of an IPv6 address as numbers, or null when it is not one. */
function ipv6Groups(ip: string): number[] | null {
  let s = ip.toLowerCase();
  // An embedded IPv4 tail (::ffff:192.0.2.1) is two groups.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const b = v4.slice(1).map(Number);
    if (b.some((x) => x > 255)) return null;
    s = `${s.slice(0, v4.index)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  const gap = 8 - head.length - tail.length;
  if (halves.length === 1 ? gap !== 0 : gap < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? gap : 0).fill('0'), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => Number.parseInt(g, 16));
}

/**
 * What an address is limited by: an IPv4 address as it is; an IPv6 address by its first 64 bits,
 * because a subscriber usually holds a whole /64 and could otherwise take a fresh address per
 * request; an IPv4-mapped IPv6 address as its IPv4 address. Requests without CF-Connecting-IP
 * (which Cloudflare always sets; locally it passes through as the client sent it) share one key.
 */
export function addressKey(ip: string | null): string {
  if (ip === null || ip === '') return 'unknown';
  if (!ip.includes(':')) return ip;
  const g = ipv6Groups(ip);
  if (!g) return ip;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return [g[6] >> 8, g[6] & 255, g[7] >> 8, g[7] & 255].join('.');
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}

/** The client a request belongs to, or its refusal (401) when it carries a key that is not configured. */
export function identifyClient(req: Request, env: Env): Client | Refusal {
  const key = presentedKey(req);
  if (key === null) return { kind: 'address', id: addressKey(req.headers.get('cf-connecting-ip')) };
  if (typeof key !== 'string') return key;
  if (!knownKeys(env).has(key)) return unauthorized('unknown API key');
  return { kind: 'key', id: key };
}

/**
 * Counts `calls` calls against the client's limit; a refusal (429) when any of them is over it.
 * Each call is one `limit()` of the binding: the binding counts one per call, and Miniflare's has
 * no way to count more at once. If the binding itself fails, the calls are let through (and the
 * failure logged): the limits protect the chain, they must not take its reads down with them.
 */
export async function charge(env: Env, client: Client, calls: number): Promise<Refusal | null> {
  if (calls <= 0) return null;
  const limiter = client.kind === 'key' ? env.RPC_KEY_RATE_LIMIT : env.RPC_RATE_LIMIT;
  // Only a local benchmark runs without the binding (serve.ts --rate-limit off); deploy:check requires it.
  if (!limiter) return null;
  let outcomes: RateLimitOutcome[];
  try {
    outcomes = await Promise.all(Array.from({ length: calls }, () => limiter.limit({ key: client.id })));
  } catch (e) {
    console.error('rate limit binding failed; letting the calls through:', e);
    return null;
  }
  if (outcomes.every((o) => o.success)) return null;
  const who = client.kind === 'key' ? 'this API key' : 'this address';
  return {
    status: 429,
    error: new LimitExceededError(
      `rate limit exceeded for ${who}: too many JSON-RPC calls (each call of a batch counts); retry after ${RATE_LIMIT_PERIOD_S} s`,
    ),
    headers: { 'Retry-After': String(RATE_LIMIT_PERIOD_S) },
  };
}

export function refusalResponse(r: Refusal): Response {
  return Response.json({ jsonrpc: '2.0', id: null, error: toErrorObject(r.error) }, { status: r.status, headers: r.headers });
}
