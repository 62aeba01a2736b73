/**
 * Differential test of the debug_trace* methods: the same signed transactions (one fresh key,
 * fee fields fixed, so the same hashes) go to the chain and to a plain anvil (prague, the chain's
 * id, --steps-tracing) started here, and every trace the chain gives must equal anvil's, apart
 * from DIFFERING_FIELDS (also in README: Tracing). Also the execution-apis fixtures of the
 * debug_trace* methods that apply to a chain started from our own genesis, and the refusals.
 * The sender is funded by dev account 0.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { type Abi, type Address, encodeFunctionData, getContractAddress, type Hex, parseEther, parseGwei } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Anvil, startAnvil } from '../../scripts/lib/anvil.ts';
import { compileFile } from '../../scripts/lib/compile.ts';
import { JsonRpcCallError, rpc } from '../../scripts/lib/rpc.ts';
import { gethView } from '../support/anvilTraces.ts';
import { freshAddress, rpcUrl, type ViemClients, viemClients } from './helpers.ts';

/**
 * Tracer configurations compared. The named tracers join by adding their configs here, e.g.
 * `{ tracer: 'callTracer', tracerConfig: { withLog: true } }`.
 */
const TRACER_CONFIGS: Record<string, unknown>[] = [
  {},
  { disableStack: true },
  { disableStorage: true },
  { enableMemory: true },
  { enableReturnData: true },
  { disableStack: true, disableStorage: true, enableMemory: true, enableReturnData: true },
];

/** Fields of the struct logger's output documented to differ from anvil's (README: Tracing). None today. */
const DIFFERING_FIELDS: readonly string[] = [];

/**
 * The one documented difference in values: a failing step's `error` is geth's text here, where
 * anvil prints revm's names in Rust's debug form. Anvil's are translated before comparing.
 */
const ANVIL_ERRORS: Record<string, string> = {
  'Some(OutOfGas)': 'out of gas',
  'Some(ReentrancySentryOOG)': 'out of gas',
};

/** Removes the documented differing fields at any depth and translates anvil's error names. */
function comparable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(comparable);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !DIFFERING_FIELDS.includes(k))
      .map(([k, x]) => [k, k === 'error' && typeof x === 'string' ? (ANVIL_ERRORS[x] ?? x) : comparable(x)]),
  );
}

/** Compares two traces step by step, so that a difference names its step. */
function expectSameTrace(ours: unknown, theirs: unknown, label: string): void {
  const a = comparable(ours) as { structLogs?: unknown[] };
  const b = comparable(theirs) as { structLogs?: unknown[] };
  if (Array.isArray(a.structLogs) && Array.isArray(b.structLogs)) {
    const n = Math.min(a.structLogs.length, b.structLogs.length);
    for (let i = 0; i < n; i++) expect(a.structLogs[i], `${label}: step ${i}`).toEqual(b.structLogs[i]);
  }
  expect(a, label).toEqual(b);
}

let anvil: Anvil;
let clients: ViemClients;
let abi: Abi;
let traced: Address;
/** Each transaction sent, by name, in nonce order. */
const txs: { name: string; hash: Hex }[] = [];
const sender = privateKeyToAccount(generatePrivateKey());

const chainRpc = <T>(method: string, params: unknown[] = []) => rpc<T>(rpcUrl(), method, params);
const anvilRpc = <T>(method: string, params: unknown[] = []) => rpc<T>(anvil.url, method, params);

async function receiptOf(url: string, hash: Hex): Promise<{ blockNumber: Hex; blockHash: Hex; status: Hex }> {
  for (let i = 0; i < 600; i++) {
    const r = await rpc<{ blockNumber: Hex; blockHash: Hex; status: Hex } | null>(url, 'eth_getTransactionReceipt', [hash]);
    if (r) return r;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no receipt for ${hash} at ${url}`);
}

beforeAll(async () => {
  clients = await viemClients();
  const chainId = clients.chain.id;
  anvil = await startAnvil({ args: ['--hardfork', 'prague', '--chain-id', String(chainId), '--steps-tracing'] });
  const compiled = compileFile('Traced.sol');
  abi = compiled.Traced.abi;
  await clients.wallet(0).sendTransactionSync({ to: sender.address, value: parseEther('10') });
  await anvilRpc('anvil_setBalance', [sender.address, `0x${parseEther('10').toString(16)}`]);

  // Fee fields above both chains' base fees: the same signed bytes are valid on both.
  const gasPrices = await Promise.all([chainRpc<Hex>('eth_gasPrice'), anvilRpc<Hex>('eth_gasPrice')]);
  const maxFeePerGas = 4n * gasPrices.map(BigInt).reduce((a, b) => (a > b ? a : b)) + parseGwei('1');
  traced = getContractAddress({ from: sender.address, nonce: 0n });
  const call = (functionName: string, args: unknown[]) => encodeFunctionData({ abi, functionName, args });
  const plan: { name: string; to: Address | null; data: Hex; gas: bigint; legacy?: boolean }[] = [
    { name: 'deploy (CREATE in a constructor)', to: null, data: compiled.Traced.bytecode, gas: 3_000_000n },
    { name: 'store', to: traced, data: call('store', [1n, 42n]), gas: 300_000n },
    { name: 'store again', to: traced, data: call('store', [2n, 7n]), gas: 300_000n },
    { name: 'clear (refund)', to: traced, data: call('clear', [1n]), gas: 300_000n },
    { name: 'revert with a reason', to: traced, data: call('fail', ['no way']), gas: 300_000n },
    { name: 'nested CALL, DELEGATECALL, STATICCALL, CREATE2', to: traced, data: call('nested', [5n]), gas: 1_000_000n },
    { name: 'memory', to: traced, data: call('churn', [20n]), gas: 1_000_000n },
    { name: 'out of gas', to: traced, data: call('burn', []), gas: 100_000n },
    { name: 'legacy transfer', to: freshAddress(), data: '0x', gas: 21_000n, legacy: true },
  ];
  const raws: Hex[] = [];
  for (const [nonce, p] of plan.entries()) {
    const fields = { chainId, nonce, gas: p.gas, to: p.to, data: p.data, value: p.legacy ? 1n : 0n };
    raws.push(
      await sender.signTransaction(
        p.legacy ? { ...fields, type: 'legacy', gasPrice: maxFeePerGas } : { ...fields, type: 'eip1559', maxFeePerGas, maxPriorityFeePerGas: parseGwei('1') },
      ),
    );
  }
  // Anvil mines each in a block of its own; the chain gets the deployment first, then the rest at
  // once, so that several share a block (debug_traceBlock*).
  for (const raw of raws) await receiptOf(anvil.url, await anvilRpc<Hex>('eth_sendRawTransaction', [raw]));
  const first = await chainRpc<Hex>('eth_sendRawTransaction', [raws[0]]);
  await receiptOf(rpcUrl(), first);
  const rest = await Promise.all(raws.slice(1).map((raw) => chainRpc<Hex>('eth_sendRawTransaction', [raw])));
  for (const [i, hash] of [first, ...rest].entries()) {
    await receiptOf(rpcUrl(), hash);
    txs.push({ name: plan[i].name, hash });
  }
}, 180_000);

afterAll(async () => {
  await anvil?.stop();
});

describe('debug_traceTransaction: the chain against anvil', () => {
  it('sent the same transactions: same hashes, same outcomes', async () => {
    for (const { hash } of txs) expect((await receiptOf(rpcUrl(), hash)).status).toBe((await receiptOf(anvil.url, hash)).status);
    expect((await receiptOf(rpcUrl(), txs[4].hash)).status).toBe('0x0');
    expect((await receiptOf(rpcUrl(), txs[7].hash)).status).toBe('0x0');
  });

  for (const config of TRACER_CONFIGS) {
    it(`equal traces with ${JSON.stringify(config)}`, async () => {
      for (const { name, hash } of txs) {
        const [ours, theirs] = await Promise.all([
          chainRpc<{ structLogs?: unknown[] }>('debug_traceTransaction', [hash, config]),
          anvilRpc<unknown>('debug_traceTransaction', [hash, config]),
        ]);
        expectSameTrace(ours, theirs, name);
      }
      const nested = await chainRpc<{ structLogs: { op: string; depth: number; error?: string }[] }>('debug_traceTransaction', [txs[5].hash, config]);
      // What the comparison covers: frames below the top, the opcodes named, and a failing step.
      for (const op of ['CALL', 'DELEGATECALL', 'STATICCALL', 'CREATE2', 'LOG1', 'REVERT', 'SSTORE'])
        expect(
          nested.structLogs.some((l) => l.op === op),
          op,
        ).toBe(true);
      expect(Math.max(...nested.structLogs.map((l) => l.depth))).toBe(2);
      const oog = await chainRpc<{ structLogs: { error?: string }[]; failed: boolean }>('debug_traceTransaction', [txs[7].hash, config]);
      expect(oog.failed).toBe(true);
      expect(oog.structLogs.some((l) => l.error !== undefined)).toBe(true);
    });
  }
});

/**
 * The named tracers, compared once anvil's output is turned into current geth's (ANVIL_DIFFERENCES
 * in test/support/anvilTraces.ts, checked there against each rule's facts). Two values differ
 * between the chains themselves, so each is checked against its own chain instead (also in README:
 * Tracing): a log's `index` counts the logs of its block before it, and several of these
 * transactions share a block here while anvil mines one per block; and the balances of the sender
 * and of the block's fee recipient, which depend on each chain's base fees.
 */
const NAMED_CONFIGS: { tracer: string; tracerConfig: Record<string, unknown> }[] = [
  { tracer: 'callTracer', tracerConfig: {} },
  { tracer: 'callTracer', tracerConfig: { onlyTopCall: true } },
  { tracer: 'callTracer', tracerConfig: { withLog: true } },
  { tracer: 'prestateTracer', tracerConfig: {} },
  { tracer: 'prestateTracer', tracerConfig: { diffMode: true } },
];

/** Addresses as lowercase, the form both outputs are compared in. */
function lowered(v: unknown): unknown {
  if (typeof v === 'string') return /^0x[0-9a-fA-F]{40}$/.test(v) ? v.toLowerCase() : v;
  if (Array.isArray(v)) return v.map(lowered);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [lowered(k) as string, lowered(x)]));
  return v;
}

type CallFrame = { logs?: { index?: Hex; data: Hex }[]; calls?: CallFrame[] };
const framesOf = (f: CallFrame): CallFrame[] => [f, ...(f.calls ?? []).flatMap(framesOf)];

/** Takes the balances of `addresses` out of a prestateTracer result (plain or diffMode), returning them. */
function takeBalances(result: unknown, addresses: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const r = result as Record<string, Record<string, { balance?: unknown }>>;
  const maps = 'pre' in r && 'post' in r ? { pre: r.pre, post: r.post } : { state: r as unknown as Record<string, { balance?: unknown }> };
  for (const [which, accounts] of Object.entries(maps)) {
    for (const a of addresses) {
      if (!accounts[a]) continue;
      out[`${which}:${a}`] = accounts[a].balance;
      delete accounts[a].balance;
      if (Object.keys(accounts[a]).length === 0) delete accounts[a];
    }
  }
  return out;
}

describe('debug_traceTransaction with callTracer and prestateTracer: the chain against anvil', () => {
  for (const { tracer, tracerConfig } of NAMED_CONFIGS) {
    it(`equal ${tracer} results with ${JSON.stringify(tracerConfig)}`, async () => {
      const config = { tracer, tracerConfig };
      for (const { name, hash } of txs) {
        const ours = lowered(await chainRpc<unknown>('debug_traceTransaction', [hash, config]));
        if (tracer === 'callTracer' && tracerConfig.withLog) {
          // Each log's index is the one our own receipt gives it; shifted by the logs before the
          // transaction in each chain's block, it is anvil's (gethView checks those against anvil's receipt).
          const mine = await chainRpc<{ logs: { logIndex: Hex }[] }>('eth_getTransactionReceipt', [hash]);
          const theirsReceipt = await anvilRpc<{ logs: { logIndex: Hex }[] }>('eth_getTransactionReceipt', [hash]);
          const logs = framesOf(ours as CallFrame).flatMap((f) => f.logs ?? []);
          expect(logs.map((l) => l.index).sort(), name).toEqual(mine.logs.map((l) => l.logIndex).sort());
          if (mine.logs.length > 0) {
            const shift = BigInt(theirsReceipt.logs[0].logIndex) - BigInt(mine.logs[0].logIndex);
            for (const l of logs) l.index = `0x${(BigInt(l.index as Hex) + shift).toString(16)}`;
          }
        }
        const theirs = (await gethView(
          anvil.url,
          hash,
          tracer,
          tracerConfig,
          lowered(await anvilRpc<unknown>('debug_traceTransaction', [hash, config])),
          ours,
        )) as unknown;
        if (tracer === 'prestateTracer') {
          const tx = await chainRpc<{ from: Hex; blockHash: Hex; blockNumber: Hex }>('eth_getTransactionByHash', [hash]);
          const ourMiner = (await chainRpc<{ miner: Hex }>('eth_getBlockByHash', [tx.blockHash, false])).miner.toLowerCase();
          const anvilTx = await anvilRpc<{ blockHash: Hex }>('eth_getTransactionByHash', [hash]);
          const anvilMiner = (await anvilRpc<{ miner: Hex }>('eth_getBlockByHash', [anvilTx.blockHash, false])).miner.toLowerCase();
          const from = tx.from.toLowerCase();
          const ourBalances = takeBalances(ours, [from, ourMiner]);
          takeBalances(theirs, [from, anvilMiner]);
          // Ours are the chain's own: the sender's balance before the transaction is at most what it held at the parent block.
          const parent = BigInt(await chainRpc<Hex>('eth_getBalance', [from, `0x${(BigInt(tx.blockNumber) - 1n).toString(16)}`]));
          const pre = ourBalances[`pre:${from}`] ?? ourBalances[`state:${from}`];
          expect(BigInt(pre as Hex) <= parent, name).toBe(true);
        }
        expect(ours, name).toEqual(theirs);
      }
    });
  }
});

describe('debug_traceBlockByNumber and debug_traceBlockByHash: the chain against anvil', () => {
  for (const config of [TRACER_CONFIGS[0], TRACER_CONFIGS[5]]) {
    it(`equal traces of each block with ${JSON.stringify(config)}`, async () => {
      const blocks = new Map<Hex, Hex[]>();
      for (const { hash } of txs) {
        const { blockHash } = await receiptOf(rpcUrl(), hash);
        blocks.set(blockHash, [...(blocks.get(blockHash) ?? []), hash]);
      }
      expect(Math.max(...[...blocks.values()].map((b) => b.length)), 'some block holds several of the transactions').toBeGreaterThan(1);
      for (const [blockHash, hashes] of blocks) {
        const { number } = await chainRpc<{ number: Hex }>('eth_getBlockByHash', [blockHash, false]);
        const expected = await Promise.all(hashes.map(async (h) => ({ txHash: h, result: await anvilRpc('debug_traceTransaction', [h, config]) })));
        const start = performance.now();
        const byNumber = await chainRpc<unknown[]>('debug_traceBlockByNumber', [number, config]);
        // A figure for the report (never asserted): the whole request, edge to Simulator and back.
        console.log(
          `[trace cost] debug_traceBlockByNumber of ${hashes.length} transactions with ${JSON.stringify(config)}: ${(performance.now() - start).toFixed(0)} ms`,
        );
        const byHash = await chainRpc<unknown[]>('debug_traceBlockByHash', [blockHash, config]);
        expect(byNumber.length).toBe(expected.length);
        for (const [i, t] of (byNumber as { txHash: Hex; result: unknown }[]).entries()) {
          expect(t.txHash).toBe(expected[i].txHash);
          expectSameTrace(t.result, expected[i].result, `block ${number}, transaction ${i}`);
        }
        expect(byHash).toEqual(byNumber);
      }
      // Anvil's own block trace has the same shape: one { txHash, result } per transaction.
      const { blockNumber } = await receiptOf(anvil.url, txs[1].hash);
      expect(comparable(await anvilRpc('debug_traceBlockByNumber', [blockNumber, config]))).toEqual([
        comparable({ txHash: txs[1].hash, result: await anvilRpc('debug_traceTransaction', [txs[1].hash, config]) }),
      ]);
    });
  }
});

describe('debug_traceCall: the chain against anvil', () => {
  const calls = () => [
    encodeFunctionData({ abi, functionName: 'store', args: [9n, 1n] }),
    encodeFunctionData({ abi, functionName: 'nested', args: [77n] }),
    encodeFunctionData({ abi, functionName: 'fail', args: ['said no'] }),
    encodeFunctionData({ abi, functionName: 'churn', args: [5n] }),
  ];
  for (const config of TRACER_CONFIGS) {
    it(`equal traces at latest with ${JSON.stringify(config)}`, async () => {
      for (const data of calls()) {
        const call = { from: sender.address, to: traced, data, gas: '0xf4240' };
        const [ours, theirs] = await Promise.all([
          chainRpc('debug_traceCall', [call, 'latest', config]),
          anvilRpc('debug_traceCall', [call, 'latest', config]),
        ]);
        expectSameTrace(ours, theirs, data.slice(0, 10));
      }
    });
  }

  it('equal traces with state and block overrides, which take effect', async () => {
    // Key 2 holds 7 (sent above): with the contract's storage replaced by nothing, its SSTORE sets a
    // zero slot and costs what that costs, so the override shows in the trace.
    const call = { from: sender.address, to: traced, data: encodeFunctionData({ abi, functionName: 'store', args: [2n, 5n] }), gas: '0xf4240' };
    const head = BigInt(await chainRpc<Hex>('eth_blockNumber'));
    const config = { stateOverrides: { [traced]: { state: {} } }, blockOverrides: { time: `0x${(4_000_000_000n).toString(16)}` } };
    for (const tracer of [{}, { tracer: 'callTracer' }]) {
      const [plain, ours, theirs] = await Promise.all([
        chainRpc('debug_traceCall', [call, 'latest', tracer]),
        chainRpc('debug_traceCall', [call, 'latest', { ...tracer, ...config }]),
        anvilRpc('debug_traceCall', [call, 'latest', { ...tracer, ...config }]),
      ]);
      expect(ours, 'the override changes the trace').not.toEqual(plain);
      if ('tracer' in tracer) {
        // ANVIL_DIFFERENCES.callTracerTopGas: anvil's top frame has the gas left after intrinsic gas, geth's the call's.
        const top = theirs as { gas: Hex };
        expect(BigInt(top.gas)).toBeLessThan(BigInt(call.gas));
        top.gas = call.gas as Hex;
        expect(lowered(ours)).toEqual(lowered(theirs));
      } else expectSameTrace(ours, theirs, 'store with overrides');
    }
    expect(BigInt(await chainRpc<Hex>('eth_blockNumber'))).toBeGreaterThanOrEqual(head);
  });
});

/** Calls and returns the error; fails if the call succeeds. */
async function rpcError(method: string, params: unknown[]): Promise<JsonRpcCallError> {
  const e = await chainRpc(method, params).then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof JsonRpcCallError)) throw new Error(`${method} did not fail: ${String(e)}`);
  return e;
}

describe('debug_trace* refusals', () => {
  it('refuses tracers other than the struct logger and the named ones served: -32602', async () => {
    for (const tracer of ['4byteTracer', '{ step: function() {}, result: function() { return 1 } }']) {
      const e = await rpcError('debug_traceTransaction', [txs[1].hash, { tracer }]);
      expect(e.code).toBe(-32602);
      expect(e.message).toMatch(/not supported/);
    }
    expect((await rpcError('debug_traceCall', [{ to: traced }, 'latest', { tracer: 'noopTracer' }])).code).toBe(-32602);
  });

  it('refuses options and overrides of the wrong type: -32602', async () => {
    expect((await rpcError('debug_traceTransaction', [txs[1].hash, { enableMemory: 'yes' }])).code).toBe(-32602);
    expect((await rpcError('debug_traceCall', [{ to: traced }, 'latest', { stateOverrides: { [traced]: { balance: 'lots' } } }])).code).toBe(-32602);
  });

  it("keeps geth's limit option: at most that many entries", async () => {
    const r = await chainRpc<{ structLogs: unknown[] }>('debug_traceTransaction', [txs[6].hash, { limit: 10 }]);
    expect(r.structLogs).toHaveLength(10);
  });
});

/** The execution-apis fixtures of the trace methods (CC0); override the folder with CONFORMANCE_TESTS. */
const FIXTURES_DIR = process.env.CONFORMANCE_TESTS ?? '/work/shared/conformance/execution-apis-tests';
const OPENRPC_PATH = process.env.CONFORMANCE_OPENRPC ?? '/work/shared/conformance/openrpc.json';

/**
 * The fixtures name blocks and transactions of the chain they were generated on. Those that only
 * need "some block" or "some transaction" of a kind run with ours in their place (ADAPTED: which
 * block or transaction takes the place of theirs); the error cases run as they are.
 */
const ADAPTED: Record<string, (p: unknown[]) => Promise<unknown[]>> = {
  'debug_traceBlockByHash/trace-block-with-transactions.io': async (p) => [await blockWithSeveral('hash'), ...p.slice(1)],
  'debug_traceBlockByHash/trace-genesis.io': async (p) => [(await chainRpc<{ hash: Hex }>('eth_getBlockByNumber', ['0x0', false])).hash, ...p.slice(1)],
  'debug_traceBlockByNumber/trace-block-memory-encoding.io': async (p) => [await blockWithSeveral('number'), ...p.slice(1)],
  'debug_traceBlockByNumber/trace-block-return-data-behavior.io': async (p) => [await blockWithSeveral('number'), ...p.slice(1)],
  'debug_traceBlockByNumber/trace-block-storage-encoding.io': async (p) => [await blockWithSeveral('number'), ...p.slice(1)],
  'debug_traceBlockByNumber/trace-block-storage-snapshot-timing.io': async (p) => [await blockWithSeveral('number'), ...p.slice(1)],
  'debug_traceBlockByNumber/trace-block-with-transactions.io': async (p) => [await blockWithSeveral('number'), ...p.slice(1)],
  'debug_traceTransaction/trace-contract-call.io': async (p) => [txs[5].hash, ...p.slice(1)],
  'debug_traceTransaction/trace-legacy-transfer.io': async (p) => [txs[8].hash, ...p.slice(1)],
};

async function blockWithSeveral(by: 'number' | 'hash'): Promise<Hex> {
  const r = await receiptOf(rpcUrl(), txs[txs.length - 1].hash);
  return by === 'number' ? r.blockNumber : r.blockHash;
}

interface IoExchange {
  request: { method: string; params?: unknown[] };
  expected: { result?: unknown; error?: { code: number } };
}

function readFixtures(): { file: string; speconly: boolean; exchanges: IoExchange[] }[] {
  return ['debug_traceBlockByHash', 'debug_traceBlockByNumber', 'debug_traceTransaction'].flatMap((method) =>
    readdirSync(join(FIXTURES_DIR, method))
      .filter((f) => f.endsWith('.io'))
      .map((f) => {
        const lines = readFileSync(join(FIXTURES_DIR, method, f), 'utf8').split('\n');
        const requests = lines.filter((l) => l.startsWith('>>')).map((l) => JSON.parse(l.slice(2)));
        const replies = lines.filter((l) => l.startsWith('<<')).map((l) => JSON.parse(l.slice(2)));
        return {
          file: `${method}/${f}`,
          speconly: lines.some((l) => l.startsWith('//') && l.includes('speconly')),
          exchanges: requests.map((request, i) => ({ request, expected: replies[i] })),
        };
      }),
  );
}

describe('conformance: execution-apis fixtures of debug_trace*', () => {
  const spec = JSON.parse(readFileSync(OPENRPC_PATH, 'utf8')) as { methods: { name: string; result: { schema: object } }[] };
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  const fixtures = readFixtures();

  it('runs every fixture of these methods', () => {
    expect(fixtures.map((f) => f.file)).toEqual([
      'debug_traceBlockByHash/trace-block-not-found.io',
      'debug_traceBlockByHash/trace-block-with-transactions.io',
      'debug_traceBlockByHash/trace-genesis.io',
      'debug_traceBlockByNumber/trace-block-invalid-number.io',
      'debug_traceBlockByNumber/trace-block-memory-encoding.io',
      'debug_traceBlockByNumber/trace-block-return-data-behavior.io',
      'debug_traceBlockByNumber/trace-block-storage-encoding.io',
      'debug_traceBlockByNumber/trace-block-storage-snapshot-timing.io',
      'debug_traceBlockByNumber/trace-block-with-transactions.io',
      'debug_traceBlockByNumber/trace-genesis.io',
      'debug_traceTransaction/trace-contract-call.io',
      'debug_traceTransaction/trace-legacy-transfer.io',
      'debug_traceTransaction/trace-unknown-tx.io',
    ]);
  });

  it.each(fixtures.map((f) => [f.file, f] as const))('%s', async (file, f) => {
    for (const { request, expected } of f.exchanges) {
      const params = ADAPTED[file] ? await ADAPTED[file](request.params ?? []) : (request.params ?? []);
      const reply = await fetch(rpcUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: request.method, params }),
      }).then((r) => r.json() as Promise<{ result?: unknown; error?: { code: number; message: string } }>);
      if (expected.error) {
        // Errors compare by code and shape, not message (the reference runner's rule).
        expect(reply.result).toBeUndefined();
        expect(reply.error?.code).toBe(expected.error.code);
        continue;
      }
      expect(reply.error).toBeUndefined();
      const schema = spec.methods.find((m) => m.name === request.method)?.result.schema;
      const validate = ajv.compile(schema as object);
      expect(validate(reply.result), ajv.errorsText(validate.errors)).toBe(true);
      if (file.endsWith('trace-legacy-transfer.io')) expect(reply.result).toEqual(expected.result);
    }
  });
});
