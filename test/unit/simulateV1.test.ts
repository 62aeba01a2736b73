// eth_simulateV1's bounds and eth_call's overrides in the simulator core, in plain Node over a real
// sequencer core (test/support/simulator.ts). The execution-apis fixtures are in simulateV1Fixtures.test.ts.
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { HISTORY_STORAGE_ADDRESS } from '../../core/chain/standardContracts.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import type { CallLimits } from '../../core/simulation/limits.ts';
import { MAX_OVERRIDE_ACCOUNTS, MAX_OVERRIDE_SLOTS, parseBlockOverrides, parseStateOverrides } from '../../core/simulation/overrides.ts';
import { MAX_SIMULATE_CALLS, MAX_SIMULATE_RESPONSE_BYTES, sanitizeChain, simulatedTransaction } from '../../core/simulation/simulateV1.ts';
import { simulateRequest } from '../../workers/rpc/methods/eth_simulateV1.ts';
import { checkedTx } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';
import { rpcError } from '../support/rpcError.ts';
import { simulatorOver } from '../support/simulator.ts';

const config = parseChainConfig({ DEV_CHAIN: '1' });
/** JUMPDEST PUSH1 0 JUMP: loops until its gas runs out. */
const LOOP = '0x5b600056';
/** Returns SLOAD(0) and BALANCE(ADDRESS) as two words. */
const READER = '0x60005460005230316020526040 6000f3'.replace(/ /g, '') as Hex;
const A: Hex = '0xc000000000000000000000000000000000000000';
const B: Hex = '0xc100000000000000000000000000000000000000';
const word = (n: bigint) => `0x${n.toString(16).padStart(64, '0')}` as Hex;

async function setup(limits: Partial<CallLimits> = {}) {
  const seq = new SequencerCore(nodeSql(), config);
  await seq.init();
  seq.submit([await checkedTx(config, 9, 0, { to: B, value: 1n })]);
  await seq.seal(Date.now());
  return { seq, sim: simulatorOver(seq, { timeoutMs: 60_000, ...limits }) };
}

describe('eth_call and eth_estimateGas overrides', () => {
  it('state overrides apply in a layer over the block, and never reach the chain', async () => {
    const { sim } = await setup();
    const state = parseStateOverrides({ [B]: { code: READER, balance: '0x2a', state: { '0x0': '0x07' } } });
    const out = await sim.call({ to: B }, 'latest', { state });
    expect(out).toBe(`${word(7n)}${word(42n).slice(2)}`);
    // stateDiff patches one slot and keeps the rest; without overrides the account is what the chain holds.
    const diff = parseStateOverrides({ [B]: { code: READER, stateDiff: { '0x1': '0x01' } } });
    expect(await sim.call({ to: B }, 'latest', { state: diff })).toBe(`${word(0n)}${word(1n).slice(2)}`);
    expect(await sim.call({ to: B }, 'latest')).toBe('0x');
  });

  it('block overrides reach the EVM (NUMBER, TIMESTAMP, COINBASE)', async () => {
    const { sim } = await setup();
    const code = '0x436000524260205241604052606060 00f3'.replace(/ /g, '') as Hex;
    const out = await sim.call({ to: B }, 'latest', {
      state: parseStateOverrides({ [B]: { code } }),
      block: parseBlockOverrides({ number: '0x1234', time: '0x5678', feeRecipient: A }),
    });
    expect(out).toBe(`${word(0x1234n)}${word(0x5678n).slice(2)}${word(BigInt(A)).slice(2)}`);
  });

  it('a moved precompile answers at its new address; its old address runs the code put there', async () => {
    const { sim } = await setup();
    const input = `0x${'00'.repeat(31)}2a` as Hex;
    const state = parseStateOverrides({ '0x0000000000000000000000000000000000000004': { movePrecompileToAddress: A, code: '0x60ff60005260206000f3' } });
    expect(await sim.call({ to: A, data: input }, 'latest', { state })).toBe(input);
    expect(await sim.call({ to: '0x0000000000000000000000000000000000000004', data: input }, 'latest', { state })).toBe(word(0xffn));
    // The next call has its precompile back.
    expect(await sim.call({ to: '0x0000000000000000000000000000000000000004', data: input }, 'latest')).toBe(input);
    expect((await rpcError(sim.call({ to: A }, 'latest', { state: parseStateOverrides({ [B]: { movePrecompileToAddress: A } }) }))).message).toBe(
      `account ${B} is not a precompile`,
    );
  });

  it('estimates gas over overridden state', async () => {
    const { sim } = await setup();
    const state = parseStateOverrides({ [A]: { balance: '0xffffffffffff' } });
    expect(await sim.estimateGas({ from: A, to: B, value: 0xffffn }, 'latest', { state })).toBe(21_000n);
  });

  it('bounds overridden accounts and slots (-32005) and refuses malformed ones (-32602)', () => {
    const accounts = Object.fromEntries(Array.from({ length: MAX_OVERRIDE_ACCOUNTS + 1 }, (_, i) => [`0x${i.toString(16).padStart(40, '0')}`, {}]));
    expect(() => parseStateOverrides(accounts)).toThrow(expect.objectContaining({ code: -32005 }));
    const slots = Object.fromEntries(Array.from({ length: MAX_OVERRIDE_SLOTS + 1 }, (_, i) => [`0x${i.toString(16)}`, '0x1']));
    expect(() => parseStateOverrides({ [A]: { stateDiff: slots } })).toThrow(expect.objectContaining({ code: -32005 }));
    expect(() => parseStateOverrides({ [A]: { state: {}, stateDiff: {} } })).toThrow(expect.objectContaining({ code: -32602 }));
    expect(() => parseStateOverrides({ [A]: { balance: 'lots' } })).toThrow(expect.objectContaining({ code: -32602 }));
    expect(() => parseBlockOverrides({ time: '0x10000000000000000' })).toThrow(expect.objectContaining({ code: -32602 }));
  });
});

describe('eth_simulateV1 bounds', () => {
  it('refuses more than 256 blocks, or a block number more than 256 past the base (-38026)', () => {
    expect(() => simulateRequest({ blockStateCalls: Array.from({ length: 257 }, () => ({})) })).toThrow(expect.objectContaining({ code: -38026 }));
    expect(() => sanitizeChain({ number: 10n, timestamp: 0n }, [{ blockOverrides: { number: 267n }, stateOverrides: {}, calls: [] }])).toThrow(
      expect.objectContaining({ code: -38026 }),
    );
    expect(sanitizeChain({ number: 10n, timestamp: 0n }, [{ blockOverrides: { number: 266n }, stateOverrides: {}, calls: [] }])).toHaveLength(256);
  });

  it(`refuses more than ${MAX_SIMULATE_CALLS} calls in one request (-38026)`, () => {
    const calls = Array.from({ length: MAX_SIMULATE_CALLS / 2 + 1 }, () => ({ to: B }));
    expect(() => simulateRequest({ blockStateCalls: [{ calls }, { calls }] })).toThrow(expect.objectContaining({ code: -38026 }));
    expect(simulateRequest({ blockStateCalls: [{ calls: calls.slice(1) }, { calls: calls.slice(1) }] }).blockStateCalls).toHaveLength(2);
  });

  it('gives all calls of a request RPC_GAS_CAP gas together, as geth', async () => {
    const { sim } = await setup({ gasCap: 100_000n });
    const loop = parseStateOverrides({ [B]: { code: LOOP } });
    const [block] = await sim.simulateV1(
      simulateRequest({ blockStateCalls: [{ stateOverrides: { [B]: { code: LOOP } }, calls: [{ to: B, gas: '0xea60' }, { to: B }] }] }),
      'latest',
    );
    expect(loop[B].code).toBe(LOOP);
    const calls = block.calls;
    expect(calls[0].gasUsed).toBe('0xea60');
    // The second call gets what is left of the cap: 100,000 - 60,000.
    expect(calls[1].gasUsed).toBe('0x9c40');
    expect(block.gasUsed).toBe('0x186a0');
  });

  it('times out over the whole request (RPC_EVM_TIMEOUT_MS), not per call', async () => {
    const { sim } = await setup({ timeoutMs: 300, gasCap: 2n ** 40n });
    const blockStateCalls = Array.from({ length: 20 }, () => ({ stateOverrides: { [B]: { code: LOOP } }, calls: [{ to: B, gas: '0x200000' }] }));
    const err = await rpcError(sim.simulateV1(simulateRequest({ blockStateCalls }), 'latest'));
    expect(err.code).toBe(-32000);
    expect(err.message).toBe('execution aborted (timeout = 300ms)');
  });

  it(`refuses an answer over ${MAX_SIMULATE_RESPONSE_BYTES} bytes (-38026)`, async () => {
    const { sim } = await setup({ gasCap: 2n ** 40n });
    // Returns 512 KiB of memory: 24 such calls make more than 10 MiB of hex.
    const big = '0x620800006000f3' as Hex;
    const calls = Array.from({ length: 24 }, () => ({ to: A }));
    const err = await rpcError(sim.simulateV1(simulateRequest({ blockStateCalls: [{ stateOverrides: { [A]: { code: big } }, calls }] }), 'latest'));
    expect(err.code).toBe(-38026);
  });

  it('hashes a call as geth hashes the unsigned transaction (the fixtures give one: chain id 0xc72dd9d5e883e)', () => {
    const tx = simulatedTransaction(0xc72dd9d5e883en, { to: B }, 0n, 50_000_000n);
    expect(tx.hash).toBe('0x234a1d9897819c206fdeb6af312d742010a91b5b4159978a902c9a0b90e7bee5');
  });
});

describe('eth_simulateV1 and EIP-2935', () => {
  it("each simulated block stores its parent's hash in the history contract, as geth's simulation does", async () => {
    const { seq, sim } = await setup();
    const head = seq.headNumber;
    const get = (n: bigint) => ({ to: HISTORY_STORAGE_ADDRESS, data: word(n) });
    const [first, second] = await sim.simulateV1(simulateRequest({ blockStateCalls: [{ calls: [get(head)] }, { calls: [get(head + 1n)] }] }), 'latest');
    // The first simulated block's parent is the head, a real block; the second's is the first.
    const headHash = seq.block(head, false)?.hash;
    expect(headHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(first.calls[0]).toMatchObject({ status: '0x1', returnData: headHash });
    expect(second.calls[0]).toMatchObject({ status: '0x1', returnData: first.hash });
  });
});
