import { parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { DEV_ACCOUNTS, parseChainConfig } from '../../core/chain/config.ts';
import { lower } from '../../core/chain/hex.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import type { CallLimits } from '../../core/simulation/limits.ts';
import { checkedTx } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';
import { rpcError } from '../support/rpcError.ts';
import { simulatorOver } from '../support/simulator.ts';

const config = parseChainConfig({ DEV_CHAIN: '1' });
/** JUMPDEST PUSH1 0 JUMP: loops until its gas runs out. */
const LOOP = '0x5b600056';
const ALICE = lower(DEV_ACCOUNTS[0]);

async function setup(limits: Partial<CallLimits> = {}) {
  const seq = new SequencerCore(nodeSql(), config);
  await seq.init();
  const feedCalls: number[] = [];
  const sim = simulatorOver(seq, limits, (after) => feedCalls.push(after));
  return { seq, sim, feedCalls };
}

/** Deploys `runtime` as a contract's code (init code that returns it) from account 0, sealed. */
async function deploy(seq: SequencerCore, runtime: string, nonce: number): Promise<`0x${string}`> {
  const len = (runtime.length - 2) / 2;
  const init = `0x61${len.toString(16).padStart(4, '0')}80600c6000396000f3${runtime.slice(2)}` as `0x${string}`;
  const tx = await checkedTx(config, 0, nonce, { data: init, gas: 200_000n });
  seq.submit([tx]);
  await seq.seal(Date.now());
  const receipt = seq.receipt(tx.hash);
  expect(receipt?.status).toBe('0x1');
  return receipt?.contractAddress as `0x${string}`;
}

describe('simulator: read-only execution off the sequencer', () => {
  it('answers a looping call with geth timeout error, and lets other calls run meanwhile', async () => {
    const { seq, sim } = await setup({ timeoutMs: 400 });
    const loop = await deploy(seq, LOOP, 0);
    const order: string[] = [];
    const looping = rpcError(sim.call({ to: loop, gas: 0xffffffffffffn }, 'latest')).then((e) => {
      order.push('loop');
      return e;
    });
    const quick = sim.call({ to: ALICE }, 'latest').then((r) => {
      order.push('quick');
      return r;
    });
    expect(await quick).toBe('0x');
    const err = await looping;
    expect(err.code).toBe(-32000);
    expect(err.message).toBe('execution aborted (timeout = 400ms)');
    expect(order).toEqual(['quick', 'loop']);
  });

  it('runs a call with at most RPC_GAS_CAP gas, whatever it asks for', async () => {
    const { seq, sim } = await setup({ gasCap: 100_000n, timeoutMs: 60_000 });
    const loop = await deploy(seq, LOOP, 0);
    const err = await rpcError(sim.call({ to: loop, gas: 0xffffffffffffn }, 'latest'));
    expect(err.message).toBe('out of gas');
    const { result } = await sim.createAccessList({ to: loop, gas: 0xffffffffffffn }, 'latest').then((r) => ({ result: r }));
    expect(result.gasUsed).toBe(100_000n);
    expect(result.error).toBe('out of gas');
  });

  it('sees a block as soon as it is sealed (read-your-writes) and reads older blocks too', async () => {
    const { seq, sim } = await setup();
    // BALANCE of CALLER: 33 31 60 00 52 60 20 60 00 f3
    const balanceOfCaller = await deploy(seq, '0x3331600052602060' + '00f3', 0);
    const before = BigInt(await sim.call({ from: '0x000000000000000000000000000000000000beef', to: balanceOfCaller }, 'latest'));
    expect(before).toBe(0n);
    const tx = await checkedTx(config, 0, 1, { to: '0x000000000000000000000000000000000000beef', value: parseEther('2'), gas: 21_000n });
    seq.submit([tx]);
    await seq.seal(Date.now());
    const after = BigInt(await sim.call({ from: '0x000000000000000000000000000000000000beef', to: balanceOfCaller }, 'latest'));
    expect(after).toBe(parseEther('2'));
    const atDeploy = BigInt(await sim.call({ from: '0x000000000000000000000000000000000000beef', to: balanceOfCaller }, 1n));
    expect(atDeploy).toBe(0n);
    const beyond = await rpcError(sim.call({ to: balanceOfCaller }, 99n));
    expect(beyond.message).toBe('header not found');
  });

  it('estimates gas within the cap and refuses what cannot succeed within it', async () => {
    const { seq, sim } = await setup({ gasCap: 1_000_000n });
    expect(await sim.estimateGas({ from: ALICE, to: '0x000000000000000000000000000000000000beef', value: 1n }, 'latest')).toBe(21_000n);
    const loop = await deploy(seq, LOOP, 0);
    const err = await rpcError(sim.estimateGas({ from: ALICE, to: loop }, 'latest'));
    expect(err.code).toBe(-32000);
    expect(err.message).toBe('out of gas');
  });

  it('bounds executions at once: the queue is refused past its length, with -32005', async () => {
    const { seq, sim } = await setup({ concurrency: 1, queue: 1, timeoutMs: 300 });
    const loop = await deploy(seq, LOOP, 0);
    const first = rpcError(sim.call({ to: loop }, 'latest'));
    const second = rpcError(sim.call({ to: loop }, 'latest'));
    const third = await rpcError(sim.call({ to: loop }, 'latest'));
    expect(third.code).toBe(-32005);
    expect(third.message).toMatch(/^too many concurrent executions/);
    // The queued call's wait counts into its time limit: it times out too, it does not wait for a whole run.
    expect((await first).message).toBe('execution aborted (timeout = 300ms)');
    expect((await second).message).toBe('execution aborted (timeout = 300ms)');
    expect(sim.load).toEqual({ running: 0, waiting: 0 });
  });

  it('shares feed calls between concurrent calls and asks again only for new blocks', async () => {
    const { seq, sim, feedCalls } = await setup();
    await Promise.all([sim.call({ to: ALICE }, 'latest'), sim.call({ to: ALICE }, 'latest'), sim.call({ to: ALICE }, 'latest')]);
    expect(feedCalls.length).toBeLessThanOrEqual(2);
    const head = seq.headNumber;
    await sim.call({ to: ALICE }, head);
    const calls = feedCalls.length;
    await sim.call({ to: ALICE }, head);
    expect(feedCalls.length).toBe(calls);
  });
});
