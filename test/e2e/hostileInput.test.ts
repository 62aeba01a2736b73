/**
 * Hostile input (acceptance 6): at least HOSTILE_BODIES (10,000) generated bodies sent to the
 * running chain, 16 in flight, from a seeded generator (HOSTILE_SEED to replay a run): malformed
 * JSON, wrong types, huge numbers and strings, deep nesting, oversized batches and bodies, every
 * method with random and mutated params, mutated raw transactions, unknown methods, notifications.
 *
 * Every answer must be JSON-RPC (or HTTP 413 for a body over the limit), exactly the replies the
 * JSON-RPC 2.0 rules call for (one per request with an id, none for notifications), and none
 * -32603; no request may hang or fail the connection; afterwards the chain still answers and its
 * head and state root have not moved. Raw transactions are signed by a fresh key that holds
 * nothing, so that no variant of them can be accepted; nothing else sends transactions meanwhile
 * (e2e files run one after another).
 */
import { type Hex, hexToBytes, keccak256, type TransactionSerializable, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { beforeAll, describe, expect, it } from 'vitest';
import { rpc } from '../../scripts/lib/rpc.ts';
import { methods } from '../../workers/rpc/methods/index.ts';
import { prng } from '../support/prng.ts';
import { devAccount, rpcUrl } from './helpers.ts';

const BODIES = Number(process.env.HOSTILE_BODIES ?? 10_000);
const SEED = Number(process.env.HOSTILE_SEED ?? 0x5eed_0006);
const IN_FLIGHT = 16;
/** A request that takes longer than this hung (eth_sendRawTransactionSync waits 10 s at most). */
const REQUEST_TIMEOUT_MS = 60_000;
/**
 * The run stops sending after this long and fails if it has not sent BODIES by then. On a quiet
 * 2-core machine it takes about a minute; the time goes mostly to the edge's CPU per request.
 */
const RUN_BUDGET_MS = 420_000;
const BODY_LIMIT = 5 * 1024 * 1024;
const CHAIN_ID = 31337;

const random = prng(SEED);
const int = (n: number) => Math.floor(random() * n);
const chance = (p: number) => random() < p;
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const hexBytes = (n: number) => `0x${Array.from({ length: n }, () => int(256).toString(16).padStart(2, '0')).join('')}` as Hex;
const hexDigits = (n: number) => `0x${Array.from({ length: n }, () => int(16).toString(16)).join('')}`;

/** The key that signs every raw transaction here: derived from the seed, never funded. */
const poor = privateKeyToAccount(keccak256(toHex(`hostile input ${SEED}`)));

// ---- what the generator draws from ----------------------------------------------------------

const TAGS = ['latest', 'pending', 'earliest', 'safe', 'finalized'];
const known = { blockHashes: [] as Hex[], txHashes: [] as Hex[], head: 0n };
const ADDRESSES = [
  poor.address,
  devAccount(0).address,
  '0x0000000000000000000000000000000000000000',
  '0x0000000000000000000000000000000000000001',
  '0x0000000000000000000000000000000000000004',
  '0x0000000000000000000000000000000000008001',
];

function hostileString(): string {
  switch (int(16)) {
    case 0:
      return '';
    case 1:
      return pick(['0x', '0x0', '0x00', '0x01', '-0x1', '0X1', '0x 1', ' 0x1', '0xg', '0x0x1', '1', '-1', '1e3', 'NaN', 'Infinity']);
    case 2:
      return `0x${'f'.repeat(pick([63, 64, 65, 128, 1000]))}`;
    case 3:
      return `0x${'0'.repeat(int(2000))}1`;
    case 4:
      return hexDigits(int(200));
    case 5:
      return hexBytes(pick([19, 20, 21, 31, 32, 33]));
    case 6:
      return pick(TAGS).toUpperCase();
    case 7:
      return pick(['\u0000', '\ud800', '\u202e', '💥'.repeat(int(100)), '\\', '"', '<script>', '%00', '../../etc/passwd']);
    case 8:
      return 'a'.repeat(chance(0.9) ? pick([100, 1000, 10_000]) : pick([65_536, 300_000]));
    case 9:
      return `0x${'ab'.repeat(chance(0.9) ? pick([100, 1000, 10_000]) : pick([70_000, 140_000]))}`;
    case 10:
      return pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype']);
    default:
      return pick([...TAGS, ...ADDRESSES, ...known.blockHashes, ...known.txHashes, hexBytes(32), hexBytes(20)]);
  }
}

/**
 * Nesting too deep for JSON.stringify (it recurses): a marker string, spliced into the body as
 * text by `withNesting` after the body is serialized.
 */
const nested = (depth: number, asObject: boolean) => `@@nest:${depth}:${asObject ? 'o' : 'a'}@@`;
function withNesting(text: string): string {
  return text.replace(/"@@nest:(\d+):([ao])@@"/g, (_, n: string, k: string) => {
    const depth = Number(n);
    return k === 'o' ? `${'{"blockNumber":'.repeat(depth)}"latest"${'}'.repeat(depth)}` : `${'['.repeat(depth)}"latest"${']'.repeat(depth)}`;
  });
}

function hostileValue(depth = 0): unknown {
  switch (int(depth > 2 ? 8 : 12)) {
    case 0:
      return null;
    case 1:
      return chance(0.5);
    case 2:
      return pick([0, -1, 1.5, -0, 2 ** 53 + 2, 1e308, -1e308, 5e-324, 0x7fffffff, 2 ** 64]);
    case 3:
    case 4:
    case 5:
      return hostileString();
    case 6:
      return pick(TAGS);
    case 7:
      return `0x${(known.head + BigInt(int(5)) - 2n).toString(16)}`;
    case 8:
      return chance(0.9) ? Array.from({ length: pick([0, 1, 2, 5]) }, () => hostileValue(depth + 1)) : Array(chance(0.9) ? 1100 : 20_000).fill(hexBytes(32));
    case 9:
      return Object.fromEntries(
        Array.from({ length: int(6) }, () => [
          pick(['blockHash', 'blockNumber', 'to', 'from', 'data', 'input', 'address', 'topics', hostileString()]),
          hostileValue(depth + 1),
        ]),
      );
    case 10:
      return nested(pick([10, 1000, 20_000]), chance(0.5));
    default:
      return { blockHash: pick([...known.blockHashes, hexBytes(32), hostileString()]), requireCanonical: hostileValue(depth + 1) };
  }
}

function callObject(): Record<string, unknown> {
  const call: Record<string, unknown> = {};
  if (chance(0.7)) call.to = chance(0.85) ? pick(ADDRESSES) : chance(0.5) ? null : hostileValue();
  if (chance(0.5)) call.from = chance(0.8) ? pick(ADDRESSES) : hostileValue();
  // Short calldata and init code: the point is the parameters, not long executions.
  if (chance(0.6)) call[pick(['data', 'input'])] = chance(0.8) ? hexBytes(int(36)) : hostileValue();
  if (chance(0.3)) call.gas = pick(['0x5208', '0x0', '0xffffffffffff', '0x1c9c381', hostileString()]);
  if (chance(0.3)) call[pick(['gasPrice', 'maxFeePerGas', 'maxPriorityFeePerGas'])] = pick(['0x0', '0x3b9aca00', `0x${'f'.repeat(64)}`, hostileString()]);
  if (chance(0.2)) call.value = pick(['0x0', '0x1', `0x${'f'.repeat(64)}`, hostileString()]);
  if (chance(0.1)) call.nonce = hostileValue();
  if (chance(0.1)) call.accessList = chance(0.5) ? [{ address: pick(ADDRESSES), storageKeys: [hexBytes(32)] }] : hostileValue();
  if (chance(0.1))
    call.authorizationList = chance(0.5) ? [hostileValue(), { chainId: '0x7a69', address: pick(ADDRESSES), nonce: '0x0', r: '0x1', s: '0x1' }] : hostileValue();
  if (chance(0.05)) call.data = call.input = hexBytes(4);
  return call;
}

const logFilter = () => ({
  fromBlock: chance(0.7) ? pick(['earliest', 'latest', '0x0', '0x1']) : hostileValue(),
  toBlock: chance(0.7) ? pick(['latest', '0x1', '0x2']) : hostileValue(),
  ...(chance(0.5) ? { address: chance(0.6) ? pick(ADDRESSES) : chance(0.5) ? Array(pick([2, 200, 1100])).fill(pick(ADDRESSES)) : hostileValue() } : {}),
  ...(chance(0.5) ? { topics: chance(0.5) ? [hexBytes(32), null] : hostileValue() } : {}),
  ...(chance(0.1) ? { blockHash: pick([...known.blockHashes, hexBytes(32)]) } : {}),
});

/** Well-formed parameters for each method, to be mutated. A method missing here gets random ones. */
const VALID: Record<string, () => unknown[]> = {
  eth_getBalance: () => [pick(ADDRESSES), pick(TAGS)],
  eth_getTransactionCount: () => [pick(ADDRESSES), pick(TAGS)],
  eth_getCode: () => [pick(ADDRESSES), pick(TAGS)],
  eth_getStorageAt: () => [pick(ADDRESSES), hexBytes(int(33)), pick(TAGS)],
  eth_call: () => [callObject(), pick(TAGS)],
  eth_estimateGas: () => [callObject(), pick(TAGS)],
  eth_createAccessList: () => [callObject(), pick(TAGS)],
  eth_feeHistory: () => [pick(['0x1', '0x4', 4, '0x400']), pick(TAGS), [10, 50, 90]],
  eth_getBlockByHash: () => [pick([...known.blockHashes, hexBytes(32)]), chance(0.5)],
  eth_getBlockByNumber: () => [pick([...TAGS, '0x0', '0x1']), chance(0.5)],
  eth_getBlockReceipts: () => [pick([...TAGS, '0x0', ...known.blockHashes])],
  eth_getBlockTransactionCountByHash: () => [pick([...known.blockHashes, hexBytes(32)])],
  eth_getBlockTransactionCountByNumber: () => [pick([...TAGS, '0x1'])],
  eth_getLogs: () => [logFilter()],
  eth_getProof: () => [pick(ADDRESSES), Array.from({ length: int(4) }, () => hexBytes(32)), pick(TAGS)],
  eth_getTransactionByBlockHashAndIndex: () => [pick([...known.blockHashes, hexBytes(32)]), pick(['0x0', '0x1', '0xffffffffffffffff'])],
  eth_getTransactionByBlockNumberAndIndex: () => [pick([...TAGS, '0x1']), pick(['0x0', '0x1'])],
  eth_getTransactionByHash: () => [pick([...known.txHashes, hexBytes(32)])],
  eth_getTransactionReceipt: () => [pick([...known.txHashes, hexBytes(32)])],
  rollup_getWithdrawalProof: () => [pick([...known.txHashes, hexBytes(32)])],
  rollup_getDeposit: () => [pick([...known.txHashes, hexBytes(32), '0x0', '0x1', '0xffffffffffffffff'])],
  eth_sendRawTransaction: () => [rawVariant()],
  eth_sendRawTransactionSync: () => [rawVariant(), ...(chance(0.5) ? [pick([0, 1, 50, '0x32', 10_000, -5, 1e308, 'soon', null, [], {}])] : [])],
};
for (const m of [
  'eth_accounts',
  'eth_blockNumber',
  'eth_chainId',
  'eth_gasPrice',
  'eth_maxPriorityFeePerGas',
  'eth_syncing',
  'net_listening',
  'net_version',
  'web3_clientVersion',
])
  VALID[m] = () => [];

/** Parameters of `method`: well-formed, or mutated in one of several ways. */
function paramsFor(method: string): unknown {
  const valid = Object.hasOwn(VALID, method) ? VALID[method]() : [];
  switch (int(10)) {
    case 0:
    case 1:
    case 2:
      return valid;
    case 3: {
      const p = [...valid];
      if (p.length > 0) p[int(p.length)] = hostileValue();
      return p;
    }
    case 4:
      return [...valid, ...Array.from({ length: 1 + int(3) }, () => hostileValue())];
    case 5:
      return valid.slice(0, int(valid.length + 1));
    case 6:
      return valid.map((v) => (typeof v === 'string' ? mutateString(v) : v));
    case 7:
      return pick([undefined, null, {}, 'latest', 42, true, { 0: valid[0] }]);
    case 8:
      return Array.from({ length: int(5) }, () => hostileValue());
    default:
      return valid.map((v) => (chance(0.5) ? hostileValue() : v));
  }
}

function mutateString(s: string): string {
  if (s.length === 0) return hostileString();
  const at = int(s.length);
  switch (int(6)) {
    case 0:
      return s.slice(0, at);
    case 1:
      return s + pick(['0', 'f', 'ff', 'zz', ' ', '\u0000']);
    case 2:
      return `${s.slice(0, at)}${pick(['g', 'x', '-', ' ', '0'])}${s.slice(at + 1)}`;
    case 3:
      return s.toUpperCase();
    case 4:
      return s.replace(/^0x/, '');
    default:
      return `${s}${s.slice(2)}`;
  }
}

// ---- raw transactions -----------------------------------------------------------------------

const baseTxs: Hex[] = [];
let fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } = { maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1_000_000n };
/** Transactions of the poor key with hostile fields, signed before the run. */
const RESIGNED = 300;
const resigned: Hex[] = [];

function flip(raw: Hex): Hex {
  const bytes = hexToBytes(raw);
  for (let n = 1 + int(3); n > 0; n--) bytes[int(bytes.length)] ^= 1 << int(8);
  return toHex(bytes);
}

/** A raw transaction of the poor key, mutated; or garbage shaped like one. */
function rawVariant(): unknown {
  const base = pick(baseTxs);
  switch (int(10)) {
    case 0:
      return base;
    case 1:
    case 2:
      return flip(base);
    case 3:
      return base.slice(0, 2 + 2 * int((base.length - 2) / 2));
    case 4:
      return `${base}${hexBytes(1 + int(64)).slice(2)}`;
    case 5:
      return `0x${pick(['00', '01', '02', '03', '04', '05', '7f', 'c0', 'f8', 'ff'])}${base.slice(4)}`;
    case 6:
    case 7:
      return pick(resigned);
    case 8:
      return mutateString(base);
    default:
      return hostileValue();
  }
}

/** The poor key's transaction with hostile fields, signed (viem refuses some combinations). */
async function resign(): Promise<Hex | null> {
  const type = pick(['legacy', 'eip2930', 'eip1559', 'eip7702'] as const);
  const big = () => pick([0n, 1n, 21_000n, 30_000_001n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 256n - 1n]);
  const tx: Record<string, unknown> = {
    type,
    chainId: pick([CHAIN_ID, CHAIN_ID, 1, 0, 2 ** 32]),
    nonce: pick([0, 1, 64, 65, 2 ** 31]),
    gas: pick([21_000n, 20_999n, 0n, 30_000_000n, 30_000_001n, big()]),
    to: chance(0.8) ? pick(ADDRESSES) : undefined,
    value: chance(0.5) ? 0n : big(),
    data: chance(0.5) ? undefined : hexBytes(int(200)),
  };
  if (type === 'legacy' || type === 'eip2930') tx.gasPrice = chance(0.7) ? fees.maxFeePerGas : big();
  else Object.assign(tx, chance(0.7) ? fees : { maxFeePerGas: big(), maxPriorityFeePerGas: big() });
  if (type !== 'legacy' && chance(0.5)) tx.accessList = [{ address: pick(ADDRESSES), storageKeys: [hexBytes(32)] }];
  try {
    if (type === 'eip7702') tx.authorizationList = [await poor.signAuthorization({ chainId: CHAIN_ID, address: pick(ADDRESSES) as Hex, nonce: int(3) })];
    return await poor.signTransaction(tx as TransactionSerializable);
  } catch {
    return null;
  }
}

// ---- bodies and what a correct answer to each looks like ------------------------------------

interface Body {
  text: string;
  /** What it is, for a failure report. */
  kind: string;
  path?: string;
  contentType?: string;
}

const methodNames = Object.keys(methods);
const calls = new Map<string, number>();
const UNKNOWN = [
  'eth_getbalance',
  'ETH_CHAINID',
  'eth_chainId ',
  ' eth_chainId',
  'eth_',
  '',
  'debug_traceTransaction',
  'admin_peers',
  'eth_sendTransaction',
  'rollup_',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
];

function anId(): unknown {
  return pick([1, 0, -1, 42, 2 ** 53 - 1, 1.5, 1e20, 'a', '', 'id-with-"quotes"', null, `${'x'.repeat(int(1000))}`, int(1_000_000)]);
}

function request(): Record<string, unknown> {
  const method = chance(0.95) ? pick(methodNames) : pick(UNKNOWN);
  calls.set(method, (calls.get(method) ?? 0) + 1);
  const params = paramsFor(method);
  return params === undefined ? { jsonrpc: '2.0', id: anId(), method } : { jsonrpc: '2.0', id: anId(), method, params };
}

function envelope(): unknown {
  const r: Record<string, unknown> = request();
  switch (int(8)) {
    case 0:
      r.jsonrpc = pick(['1.0', '2', 2, 2.0, null, '2.0 ', '']);
      break;
    case 1:
      delete r.jsonrpc;
      break;
    case 2:
      r.id = pick([{}, [], true, false, { id: 1 }, [1]]);
      break;
    case 3:
      r.method = pick([42, null, true, [], {}, ['eth_chainId']]);
      break;
    case 4:
      delete r.method;
      break;
    case 5:
      r.params = pick(['latest', 42, true, { 0: 1 }, null]);
      break;
    case 6:
      r[hostileString()] = hostileValue();
      break;
    default:
      return pick([42, 'eth_chainId', null, true, [], [[]], [[request()]]]);
  }
  return r;
}

function malformed(): string {
  const good = JSON.stringify(request());
  switch (int(10)) {
    case 0:
      return good.slice(0, int(good.length));
    case 1:
      return `${good}${pick([',', '}', ']', 'x', ' {}', '\u0000'])}`;
    case 2:
      return pick(['', ' ', '\n', '{', '}', '[', '[{]', '{"jsonrpc":"2.0",}', "{'jsonrpc':'2.0'}", 'undefined', 'NaN', '{"id":1,"id":2', '\ufeff{}']);
    case 3:
      return Array.from({ length: int(200) }, () => String.fromCharCode(int(128))).join('');
    case 4:
      return good.replace(/"/, '');
    case 5:
      return `${'['.repeat(100_000)}`;
    case 6:
      return `{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[${'1,'.repeat(1000)}]`;
    case 7:
      return good.replace(':', '::');
    case 8:
      return `{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["\\u12","latest"]}`;
    default:
      return `/* comment */ ${good}`;
  }
}

/** Number literals JSON.stringify cannot produce, spliced into otherwise valid requests. */
function hugeNumbers(): string {
  const n = pick(['1e400', '-1e400', '123456789012345678901234567890', '0.0000000000000000000000001', '-0', '1E+2', `1${'0'.repeat(5000)}`]);
  return pick([
    `{"jsonrpc":"2.0","id":${n},"method":"eth_chainId","params":[]}`,
    `{"jsonrpc":"2.0","id":1,"method":"eth_feeHistory","params":[${n},"latest",[${n}]]}`,
    `{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":[${n},false]}`,
    `{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransactionSync","params":["0x00",${n}]}`,
    `{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["${ADDRESSES[0]}",{"blockNumber":${n}}]}`,
  ]);
}

function deep(): unknown {
  const depth = pick([100, 5000, 50_000]);
  const method = pick(methodNames);
  calls.set(method, (calls.get(method) ?? 0) + 1);
  return { jsonrpc: '2.0', id: 1, method, params: [nested(depth, chance(0.5)), nested(int(50), chance(0.5))] };
}

function batch(): unknown[] {
  const size = pick([1, 2, 3, 5, 10, 10, 50, 100, 101, 150]);
  return Array.from({ length: size }, () => {
    const r = chance(0.8) ? request() : envelope();
    if (chance(0.1) && typeof r === 'object' && r !== null && !Array.isArray(r)) delete (r as Record<string, unknown>).id;
    return r;
  });
}

/**
 * Body `index`: nesting spliced in; one in 1000 over the size limit, the others at most 6 MiB.
 * Made synchronously, so that a seed gives the same bodies in the same order however the answers
 * interleave (the re-signed transactions are made beforehand).
 */
function nextBody(index: number): Body {
  for (;;) {
    const body = drawBody(index);
    body.text = withNesting(body.text);
    if (body.kind === 'oversized body' || body.text.length <= BODY_LIMIT + 1024 * 1024) return body;
  }
}

function drawBody(index: number): Body {
  if (index % 1000 === 999) {
    const filler = 'ab'.repeat((BODY_LIMIT + int(1024 * 1024)) / 2);
    return { text: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ data: `0x${filler}` }, 'latest'] }), kind: 'oversized body' };
  }
  const roll = random();
  if (roll < 0.08) return { text: malformed(), kind: 'malformed JSON' };
  if (roll < 0.14) return { text: JSON.stringify(envelope()), kind: 'envelope' };
  if (roll < 0.16) return { text: hugeNumbers(), kind: 'huge number literal' };
  if (roll < 0.18) return { text: JSON.stringify(deep()), kind: 'deep nesting' };
  if (roll < 0.21) return { text: JSON.stringify(batch()), kind: 'batch' };
  if (roll < 0.25) {
    const r = request();
    delete r.id;
    return { text: JSON.stringify(r), kind: 'notification' };
  }
  if (roll < 0.4) {
    const method = pick(['eth_sendRawTransaction', 'eth_sendRawTransactionSync']);
    calls.set(method, (calls.get(method) ?? 0) + 1);
    return { text: JSON.stringify({ jsonrpc: '2.0', id: anId(), method, params: paramsFor(method) }), kind: 'raw transaction' };
  }
  const body: Body = { text: JSON.stringify(request()), kind: 'call' };
  if (chance(0.05)) body.path = pick(['/rpc', '/status', '/v1/x', '/?foo=bar', '/%00']);
  if (chance(0.05)) body.contentType = pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']);
  return body;
}

type Id = string | number | null;
const roundTrip = (id: unknown): Id => JSON.parse(JSON.stringify(id ?? null)) as Id;

/** The ids of the replies a correct server sends for one request object, or nothing for a notification. */
function expectedFor(r: unknown): { id: Id; code?: number } | null {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return { id: null, code: -32600 };
  const o = r as Record<string, unknown>;
  const validId = o.id === undefined || o.id === null || typeof o.id === 'string' || typeof o.id === 'number';
  if (!validId) return { id: null, code: -32600 };
  const id = roundTrip(o.id);
  if (o.jsonrpc !== '2.0' || typeof o.method !== 'string') return { id, code: -32600 };
  if (o.id === undefined) return null;
  return Object.hasOwn(methods, o.method) ? { id } : { id, code: -32601 };
}

/** The replies a correct server sends for a body (JSON-RPC 2.0, with batches of at most 100). */
function expectedReplies(text: string): { replies: { id: Id; code?: number }[]; batch: boolean; sendsTransaction: boolean } {
  let parsed: unknown;
  try {
    // As the server reads it: Request.text() drops a leading byte order mark.
    parsed = JSON.parse(text.replace(/^\ufeff/, ''));
  } catch {
    return { replies: [{ id: null, code: -32700 }], batch: false, sendsTransaction: false };
  }
  if (!Array.isArray(parsed)) {
    const one = expectedFor(parsed);
    const method = (parsed as { method?: unknown } | null)?.method;
    return { replies: one ? [one] : [], batch: false, sendsTransaction: typeof method === 'string' && method.startsWith('eth_sendRawTransaction') };
  }
  if (parsed.length === 0 || parsed.length > 100) return { replies: [{ id: null, code: -32600 }], batch: false, sendsTransaction: false };
  return { replies: parsed.map(expectedFor).filter((x): x is { id: Id; code?: number } => x !== null), batch: true, sendsTransaction: false };
}

interface Reply {
  jsonrpc?: unknown;
  id?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

/** What is wrong with one answer, or null. */
function judge(body: Body, status: number, text: string): string | null {
  if (body.text.length > BODY_LIMIT) return status === 413 ? null : `HTTP ${status} for a body over the limit`;
  const expected = expectedReplies(body.text);
  if (expected.replies.length === 0) return status === 204 && text === '' ? null : `HTTP ${status} "${text.slice(0, 200)}" for notifications only (want 204)`;
  if (status !== 200) return `HTTP ${status}: ${text.slice(0, 300)}`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return `answer is not JSON: ${text.slice(0, 300)}`;
  }
  if (Array.isArray(json) !== expected.batch) return `answer ${Array.isArray(json) ? 'is' : 'is not'} an array`;
  const replies = (Array.isArray(json) ? json : [json]) as Reply[];
  if (replies.length !== expected.replies.length) return `${replies.length} replies, want ${expected.replies.length}`;
  const wantIds = expected.replies.map((r) => JSON.stringify(r.id)).sort();
  const gotIds = replies.map((r) => JSON.stringify(r.id)).sort();
  if (JSON.stringify(wantIds) !== JSON.stringify(gotIds)) return `reply ids ${gotIds.slice(0, 5)} want ${wantIds.slice(0, 5)}`;
  for (const r of replies) {
    if (r.jsonrpc !== '2.0') return `reply without jsonrpc "2.0": ${JSON.stringify(r).slice(0, 300)}`;
    if ('result' in r === 'error' in r) return `reply with ${'result' in r ? 'both result and error' : 'neither result nor error'}`;
    if (r.error) {
      if (!Number.isInteger(r.error.code) || typeof r.error.message !== 'string') return `malformed error object ${JSON.stringify(r.error).slice(0, 300)}`;
      if (r.error.code === -32603) return `-32603 "${String(r.error.message).slice(0, 300)}"`;
      if (r.error.data !== undefined && typeof r.error.data !== 'string') return `error data not a string: ${JSON.stringify(r.error).slice(0, 300)}`;
    }
  }
  // Envelope errors carry the code the JSON-RPC specification gives them.
  for (const want of expected.replies.filter((w) => w.code !== undefined)) {
    const got = replies.find((r) => JSON.stringify(r.id) === JSON.stringify(want.id) && r.error?.code === want.code);
    if (!got) return `no ${want.code} reply for id ${JSON.stringify(want.id)}`;
  }
  // No transaction can be accepted: the key has nothing, and any other sender a mutation recovers neither.
  if (expected.sendsTransaction && 'result' in replies[0]) {
    return `a transaction was accepted: ${JSON.stringify(replies[0]).slice(0, 300)}`;
  }
  return null;
}

// ---- the run --------------------------------------------------------------------------------

interface StateMark {
  head: Hex;
  stateRoot: Hex;
  nonce: Hex;
  pendingNonce: Hex;
  balance: Hex;
}
async function mark(): Promise<StateMark> {
  const url = rpcUrl();
  const head = await rpc<Hex>(url, 'eth_blockNumber');
  const block = await rpc<{ stateRoot: Hex }>(url, 'eth_getBlockByNumber', [head, false]);
  return {
    head,
    stateRoot: block.stateRoot,
    nonce: await rpc<Hex>(url, 'eth_getTransactionCount', [poor.address, 'latest']),
    pendingNonce: await rpc<Hex>(url, 'eth_getTransactionCount', [poor.address, 'pending']),
    balance: await rpc<Hex>(url, 'eth_getBalance', [poor.address, 'latest']),
  };
}

beforeAll(async () => {
  const url = rpcUrl();
  known.head = BigInt(await rpc<Hex>(url, 'eth_blockNumber'));
  for (const n of [0n, known.head / 2n, known.head]) {
    const block = await rpc<{ hash: Hex; transactions: Hex[] }>(url, 'eth_getBlockByNumber', [toHex(n), false]);
    known.blockHashes.push(block.hash);
    known.txHashes.push(...block.transactions.slice(0, 3));
  }
  const price = BigInt(await rpc<Hex>(url, 'eth_gasPrice'));
  fees = { maxFeePerGas: price * 3n, maxPriorityFeePerGas: 1_000_000n };
  const common = { chainId: CHAIN_ID, nonce: 0, to: ADDRESSES[1] as Hex, value: 1n, gas: 21_000n };
  baseTxs.push(
    await poor.signTransaction({ ...common, type: 'legacy', gasPrice: fees.maxFeePerGas }),
    await poor.signTransaction({
      ...common,
      type: 'eip2930',
      gasPrice: fees.maxFeePerGas,
      accessList: [{ address: ADDRESSES[1] as Hex, storageKeys: [hexBytes(32)] }],
    }),
    await poor.signTransaction({ ...common, type: 'eip1559', ...fees }),
    await poor.signTransaction({ ...common, type: 'eip1559', ...fees, to: undefined, gas: 100_000n, data: '0x6001600055' }),
    await poor.signTransaction({
      ...common,
      type: 'eip7702',
      ...fees,
      gas: 60_000n,
      authorizationList: [await poor.signAuthorization({ chainId: CHAIN_ID, address: ADDRESSES[1] as Hex, nonce: 1 })],
    }),
  );
  while (resigned.length < RESIGNED) {
    const tx = await resign();
    if (tx) resigned.push(tx);
  }
});

/** Inputs earlier runs of the generator found answered with -32603 (or a crash), pinned. */
const FOUND: [string, string, number][] = [
  ['an authorization list entry that is null', `{"to":"${ADDRESSES[1]}","authorizationList":[null]}`, -32602],
  ['a nonce of 2^64 - 1 (EIP-2681)', '{"nonce":"0xffffffffffffffff"}', -32602],
  ['gas past 64 bits', '{"gas":"0x10000000000000000"}', -32602],
  ['a tip above the fee cap', '{"maxFeePerGas":"0x0","maxPriorityFeePerGas":"0x1"}', -32602],
  ['a gas price that overflows 256 bits times the default gas', `{"gasPrice":"0x${'f'.repeat(64)}"}`, -32602],
  ['input and data nested 10,000 deep', `{"input":${'['.repeat(10_000)}${']'.repeat(10_000)},"data":[]}`, -32602],
];

describe('hostile input', () => {
  it.each(FOUND)('eth_call, eth_estimateGas and eth_createAccessList refuse %s with -32602', async (_name, call, code) => {
    for (const method of ['eth_call', 'eth_estimateGas', 'eth_createAccessList']) {
      const res = await fetch(rpcUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"jsonrpc":"2.0","id":7,"method":"${method}","params":[${call},"latest"]}`,
      });
      expect(res.status).toBe(200);
      const reply = (await res.json()) as Reply;
      expect(reply.error?.code, `${method}: ${JSON.stringify(reply)}`).toBe(code);
      expect(reply.id).toBe(7);
    }
  });

  it.each([
    [
      'an EIP-1898 blockNumber nested 10,000 deep',
      `["${ADDRESSES[0]}",${'{"blockNumber":'.repeat(10_000)}"0x0"${'}'.repeat(10_000)}]`,
      'eth_getBalance',
      -32602,
    ],
    ['a Sync timeout nested 10,000 deep', `["0x00",${'['.repeat(10_000)}${']'.repeat(10_000)}]`, 'eth_sendRawTransactionSync', -32602],
    ['a Sync timeout that is an object', '["0x00",{}]', 'eth_sendRawTransactionSync', -32602],
  ])('%s', async (_name, params, method, code) => {
    const res = await fetch(rpcUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"jsonrpc":"2.0","id":8,"method":"${method}","params":${params}}`,
    });
    const reply = (await res.json()) as Reply;
    expect(reply.error?.code, JSON.stringify(reply).slice(0, 300)).toBe(code);
  });

  it('an unknown method is named in its error by at most 100 of its characters', async () => {
    const res = await fetch(rpcUrl(), { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: `eth_${'x'.repeat(100_000)}`, params: [] }) });
    const reply = (await res.json()) as Reply;
    expect(reply.error?.code).toBe(-32601);
    expect(String(reply.error?.message).length).toBeLessThan(200);
  });

  it(
    `answers ${BODIES} generated bodies (seed ${SEED}) with JSON-RPC, never -32603, and the chain does not move`,
    async () => {
      const url = rpcUrl();
      const before = await mark();
      const problems: string[] = [];
      const kinds = new Map<string, number>();
      let sent = 0;
      const stopAt = Date.now() + RUN_BUDGET_MS;
      const worker = async () => {
        while (sent < BODIES && Date.now() < stopAt) {
          const body = nextBody(sent++);
          kinds.set(body.kind, (kinds.get(body.kind) ?? 0) + 1);
          let problem: string | null;
          try {
            const res = await fetch(new URL(body.path ?? '/', url), {
              method: 'POST',
              headers: { 'content-type': body.contentType ?? 'application/json' },
              body: body.text,
              signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
            });
            problem = judge(body, res.status, await res.text());
          } catch (e) {
            problem = `request failed: ${(e as Error).message}`;
          }
          if (problem)
            problems.push(
              `${body.kind}: ${problem}\n    body: ${body.text.length > 600 ? `${body.text.slice(0, 300)} ... ${body.text.slice(-300)}` : body.text}`,
            );
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

      expect(problems.slice(0, 40), `${problems.length} wrong answers of ${sent} (seed ${SEED})`).toEqual([]);
      expect(sent, `bodies sent within ${RUN_BUDGET_MS} ms`).toBeGreaterThanOrEqual(BODIES);
      // Every method was called, and every kind of body was sent.
      for (const m of methodNames) expect(calls.get(m) ?? 0, m).toBeGreaterThan(0);
      expect([...kinds.keys()].sort()).toEqual(
        ['batch', 'call', 'deep nesting', 'envelope', 'huge number literal', 'malformed JSON', 'notification', 'raw transaction', 'oversized body'].sort(),
      );

      // Still answering, and nothing moved: no block, no state change, nothing of the poor key pending.
      expect(await rpc<Hex>(url, 'eth_chainId')).toBe(toHex(CHAIN_ID));
      expect(await mark()).toEqual(before);
      expect(before.balance).toBe('0x0');
      expect(before.pendingNonce).toBe('0x0');
    },
    RUN_BUDGET_MS + 2 * REQUEST_TIMEOUT_MS,
  );
});
