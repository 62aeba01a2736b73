/**
 * Tracing sealed blocks in plain Node: a block sealed by the sequencer core is re-executed from its
 * trace blob with the struct logger watching (core/tracing/replay.ts), and every bound of a trace
 * request holds: the struct log's size, the transactions of a block trace, the gas cap, unknown
 * tracers and options. The differential comparison with anvil is test/e2e/traces.test.ts.
 */
import { encodeFunctionData, getContractAddress, parseEther } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { RpcError } from '../../core/errors.ts';
import { reexecuteBlock } from '../../core/proving/reexecute.ts';
import { type BlockTrace, decodeTrace, encodeTrace } from '../../core/proving/trace.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import type { SimulatorCore } from '../../core/simulation/simulator.ts';
import { DEFAULT_TRACE_LIMITS, parseTraceLimits, traceRequest, tracerFactory } from '../../core/tracing/index.ts';
import { traceSealedBlock } from '../../core/tracing/replay.ts';
import type { StructLoggerResult } from '../../core/tracing/structLogger.ts';
import { compileFile } from '../../scripts/lib/compile.ts';
import { checkedTx, devAccount } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';
import { simulatorOver } from '../support/simulator.ts';

const config = parseChainConfig({ DEV_CHAIN: '1' });
const NOW = 1_800_000_000_000;
let traceBytes: Uint8Array;
let hashes: Hex[];
let receipts: { gasUsed: Hex; status: Hex }[];

const fresh = (): BlockTrace => decodeTrace(traceBytes);
const opts = { maxTxs: 100, gasCap: 50_000_000n };
const structLogs = (request: unknown = {}) => tracerFactory(traceRequest(request));

async function rpcErrorOf(p: Promise<unknown>): Promise<RpcError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof RpcError)) throw new Error(`expected an RpcError, got ${String(e)}`);
  return e;
}

beforeAll(async () => {
  const seq = new SequencerCore(nodeSql(), config);
  await seq.init();
  const { abi, bytecode } = compileFile('Traced.sol').Traced;
  const deploy = await checkedTx(config, 0, 0, { data: bytecode, gas: 3_000_000n });
  seq.submit([deploy]);
  await seq.seal(NOW);
  const traced = getContractAddress({ from: devAccount(0).address, nonce: 0n });
  const call = (functionName: string, args: unknown[]) => encodeFunctionData({ abi, functionName, args });
  const txs = [
    await checkedTx(config, 0, 1, { to: traced, data: call('store', [1n, 42n]), gas: 300_000n }),
    await checkedTx(config, 0, 2, { to: traced, data: call('nested', [3n]), gas: 1_000_000n }),
    await checkedTx(config, 0, 3, { to: traced, data: call('fail', ['no']), gas: 300_000n }),
    await checkedTx(config, 1, 0, { to: '0x000000000000000000000000000000000000beef', value: parseEther('1'), gas: 21_000n }),
  ];
  seq.submit(txs);
  const sealed = await seq.seal(NOW + 1000, { trace: true });
  if (!sealed?.trace) throw new Error('no trace');
  expect(sealed.included.length).toBe(txs.length);
  traceBytes = encodeTrace(sealed.trace);
  hashes = txs.map((t) => t.hash);
  receipts = hashes.map((h) => seq.receipt(h) as unknown as { gasUsed: Hex; status: Hex });
});

describe('struct logs of a sealed block, re-executed from its trace blob', () => {
  it('traces every transaction: its hash, its gas used and outcome, one entry per opcode', async () => {
    const traces = await traceSealedBlock(fresh(), config, structLogs(), {}, opts);
    expect(traces.map((t) => t.txHash)).toEqual(hashes);
    for (const [i, t] of traces.entries()) {
      const r = t.result as StructLoggerResult;
      expect(r.gas).toBe(Number(BigInt(receipts[i].gasUsed)));
      expect(r.failed).toBe(receipts[i].status === '0x0');
    }
    const [store, nested, fail, transfer] = traces.map((t) => t.result as StructLoggerResult);
    expect(store.structLogs[0]).toEqual({ pc: 0, op: 'PUSH1', gas: expect.any(Number), gasCost: 3, depth: 1, stack: [], refund: 0 });
    expect(store.structLogs.find((l) => l.op === 'SSTORE')?.storage).toEqual(expect.objectContaining({}));
    expect(Math.max(...nested.structLogs.map((l) => l.depth))).toBe(2);
    // Error(string) "no": the revert data is the return value.
    expect(fail.returnValue.startsWith('0x08c379a0')).toBe(true);
    expect(transfer).toEqual({ gas: 21000, failed: false, returnValue: '0x', structLogs: [] });
  });

  it('traces one transaction alone with the same result as in the whole block', async () => {
    const all = await traceSealedBlock(fresh(), config, structLogs(), {}, opts);
    const one = await traceSealedBlock(fresh(), config, structLogs(), {}, { ...opts, only: 1 });
    expect(one).toEqual([all[1]]);
  });

  it('applies the options: stack off, memory and return data on', async () => {
    const [t] = await traceSealedBlock(fresh(), config, structLogs(), { disableStack: true, enableMemory: true, enableReturnData: true }, { ...opts, only: 1 });
    const logs = (t.result as StructLoggerResult).structLogs;
    expect(logs.every((l) => l.stack === undefined && Array.isArray(l.memory) && typeof l.returnData === 'string')).toBe(true);
    expect(logs.some((l) => (l.memory?.length ?? 0) > 0 && l.memory?.every((w) => /^0x[0-9a-f]{64}$/.test(w)))).toBe(true);
    expect(logs.some((l) => l.returnData !== '0x')).toBe(true);
  });
});

describe('bounds of a trace request', () => {
  it('refuses a struct log over its byte cap: -32005', async () => {
    const small = tracerFactory(traceRequest({}), { ...DEFAULT_TRACE_LIMITS, structLogMaxBytes: 2_000 });
    const e = await rpcErrorOf(traceSealedBlock(fresh(), config, small, {}, { ...opts, only: 1 }));
    expect(e.code).toBe(-32005);
    expect(e.message).toMatch(/struct log exceeds 2000 bytes/);
  });

  it('counts the bytes of one request (a block trace: all its transactions) against one cap', async () => {
    const [nested] = await traceSealedBlock(fresh(), config, structLogs(), {}, { ...opts, only: 1 });
    const oneRequest = tracerFactory(traceRequest({}), { ...DEFAULT_TRACE_LIMITS, structLogMaxBytes: 2 * JSON.stringify(nested.result).length });
    // The struct loggers a factory makes share its budget: a block trace makes them all from one.
    expect(await traceSealedBlock(fresh(), config, oneRequest, {}, { ...opts, only: 1 })).toEqual([nested]);
    const again = async () => traceSealedBlock(fresh(), config, oneRequest, {}, { ...opts, only: 1 });
    const e = await rpcErrorOf(again().then(again));
    expect(e.code).toBe(-32005);
  });

  it('refuses a block trace of more transactions than the cap, not a single transaction of it: -32005', async () => {
    const e = await rpcErrorOf(traceSealedBlock(fresh(), config, structLogs(), {}, { ...opts, maxTxs: 2 }));
    expect(e.code).toBe(-32005);
    expect(await traceSealedBlock(fresh(), config, structLogs(), {}, { ...opts, maxTxs: 2, only: 3 })).toHaveLength(1);
  });

  it('refuses a block that used more gas than the gas cap: -32005', async () => {
    expect((await rpcErrorOf(traceSealedBlock(fresh(), config, structLogs(), {}, { ...opts, gasCap: 21_000n }))).code).toBe(-32005);
  });

  it('refuses unknown tracers and options of the wrong type before running: -32602', () => {
    for (const tracer of ['4byteTracer', 'noopTracer', 'function() {}', 'toString', '__proto__']) {
      expect(() => tracerFactory(traceRequest({ tracer }))).toThrow(expect.objectContaining({ code: -32602 }));
    }
    expect(() => structLogs()({ enableMemory: 1 })).toThrow(expect.objectContaining({ code: -32602 }));
    expect(() => structLogs()({ limit: -1 })).toThrow(expect.objectContaining({ code: -32602 }));
    expect(() => traceRequest('callTracer')).toThrow(expect.objectContaining({ code: -32602 }));
  });

  it('refuses a trace blob that does not re-execute to the sealed block: -32000', async () => {
    const t = fresh();
    t.nodes = t.nodes.slice(1);
    expect((await rpcErrorOf(traceSealedBlock(t, config, structLogs(), {}, opts))).code).toBe(-32000);
  });

  it('reads its limits from the environment and refuses nonsense', () => {
    expect(parseTraceLimits({})).toEqual(DEFAULT_TRACE_LIMITS);
    expect(parseTraceLimits({ RPC_TRACE_MAX_BYTES: '1000', RPC_TRACE_BLOCK_MAX_TXS: '5' })).toEqual({ structLogMaxBytes: 1000, blockMaxTxs: 5 });
    expect(() => parseTraceLimits({ RPC_TRACE_MAX_BYTES: '0' })).toThrow(/positive integer/);
  });
});

describe('a block of 30 contract calls in the simulator: time limit and cost', () => {
  let seq: SequencerCore;
  let bytes: Uint8Array;
  let gasUsed: Hex;

  beforeAll(async () => {
    seq = new SequencerCore(nodeSql(), config);
    await seq.init();
    const { abi, bytecode } = compileFile('Traced.sol').Traced;
    seq.submit([await checkedTx(config, 0, 0, { data: bytecode, gas: 3_000_000n })]);
    await seq.seal(NOW);
    const traced = getContractAddress({ from: devAccount(0).address, nonce: 0n });
    const txs = [];
    for (let i = 0; i < 30; i++) {
      const data =
        i % 3 === 2
          ? encodeFunctionData({ abi, functionName: 'nested', args: [BigInt(i)] })
          : encodeFunctionData({ abi, functionName: 'store', args: [BigInt(i), 1n] });
      txs.push(await checkedTx(config, 2, i, { to: traced, data, gas: 1_000_000n }));
    }
    seq.submit(txs);
    const sealed = await seq.seal(NOW + 1000, { trace: true });
    expect(sealed?.included.length).toBe(30);
    bytes = encodeTrace(sealed?.trace as BlockTrace);
    gasUsed = sealed?.header.gasUsed as Hex;
  });

  const replay = (sim: SimulatorCore, request: Record<string, unknown> = {}) =>
    sim.replay((executor, checkDeadline) => traceSealedBlock(decodeTrace(bytes), config, structLogs(), request, { ...opts, executor, checkDeadline }));

  it("traces the block on the simulator's metered EVM, and again on the same EVM", async () => {
    const sim = simulatorOver(seq);
    const first = await replay(sim);
    expect(first).toHaveLength(30);
    expect(await replay(sim)).toEqual(first);
  });

  it('stops a trace past RPC_EVM_TIMEOUT_MS with the timeout error of eth_call', async () => {
    const e = await rpcErrorOf(replay(simulatorOver(seq, { timeoutMs: 20 }), { enableMemory: true }));
    expect(e.code).toBe(-32000);
    expect(e.message).toBe('execution aborted (timeout = 20ms)');
  });

  it('costs (logged, never asserted): re-execution alone, traced with the struct logger', async () => {
    const time = async (fn: () => Promise<unknown>) => {
      await fn();
      const start = performance.now();
      for (let i = 0; i < 3; i++) await fn();
      return (performance.now() - start) / 3;
    };
    const plain = await time(() => reexecuteBlock(decodeTrace(bytes), config));
    const all = await time(() => traceSealedBlock(decodeTrace(bytes), config, structLogs(), {}, opts));
    const allMemory = await time(() => traceSealedBlock(decodeTrace(bytes), config, structLogs(), { enableMemory: true }, opts));
    const one = await time(() => traceSealedBlock(decodeTrace(bytes), config, structLogs(), {}, { ...opts, only: 29 }));
    const size = JSON.stringify(await traceSealedBlock(decodeTrace(bytes), config, structLogs(), {}, opts)).length;
    console.log(
      `[trace cost] 30-transaction block (${BigInt(gasUsed)} gas, Node): re-execution ${plain.toFixed(0)} ms; ` +
        `traced, struct logger ${all.toFixed(0)} ms (${(size / 1024).toFixed(0)} KiB of JSON), with memory ${allMemory.toFixed(0)} ms; ` +
        `one transaction of it ${one.toFixed(0)} ms`,
    );
  });
});
