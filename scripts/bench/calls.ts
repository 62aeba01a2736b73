/**
 * What read-only executions cost in the simulator (core/simulation), in plain Node over a real
 * sequencer core: `node scripts/bench/calls.ts [--rounds R]`.
 * - a short call (BALANCE of the caller) through SimulatorCore, per call;
 * - the looping call JUMPDEST PUSH1 0 JUMP at 1M gas, with the metered opcodes of call simulation
 *   and with the plain EVM of the sequencer: the meter's cost per EVM step;
 * - the sequencer's feed call that each simulator makes once per new head (unindexedBlocks).
 */
import { parseArgs } from 'node:util';
import { privateKeyToAccount } from 'viem/accounts';
import { parseChainConfig } from '../../core/chain/config.ts';
import { callExecutor, simulate } from '../../core/execution/call.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { unindexedBlocks } from '../../core/sequencer/unindexed.ts';
import { envOf } from '../../core/simulation/chainView.ts';
import { ExecutionMeter } from '../../core/simulation/meter.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { devKey } from '../../test/support/accounts.ts';
import { nodeSql } from '../../test/support/nodeSql.ts';
import { simulatorOver } from '../../test/support/simulator.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '200' }, help: { type: 'boolean', default: false } } });
if (values.help) {
  console.log('usage: node scripts/bench/calls.ts [--rounds R]   (see the comment at the top of the file)');
  process.exit(0);
}
const rounds = Number(values.rounds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const config = parseChainConfig({ DEV_CHAIN: '1' });
const seq = new SequencerCore(nodeSql(), config);
await seq.init();
const account = privateKeyToAccount(devKey(0));
/** Deploys runtime code from dev account 0 and returns its address. */
async function deploy(runtime: string, nonce: number): Promise<`0x${string}`> {
  const len = (runtime.length - 2) / 2;
  const data = `0x61${len.toString(16).padStart(4, '0')}80600c6000396000f3${runtime.slice(2)}` as `0x${string}`;
  const raw = await account.signTransaction({
    chainId: Number(config.chainId),
    type: 'eip1559',
    nonce,
    data,
    gas: 200_000n,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 1n,
  });
  const tx = checkRawTransaction(raw, config.chainId, config.blockGasLimit);
  seq.submit([tx]);
  await seq.seal(Date.now());
  return seq.receipt(tx.hash)?.contractAddress as `0x${string}`;
}
const balanceOfCaller = await deploy('0x333160005260206000f3', 0);
const loop = await deploy('0x5b600056', 1);

const sim = simulatorOver(seq);
await sim.call({ to: balanceOfCaller }, 'latest');
const short: number[] = [];
for (let i = 0; i < rounds; i++) {
  const t = performance.now();
  await sim.call({ from: account.address.toLowerCase() as `0x${string}`, to: balanceOfCaller }, 'latest');
  short.push(performance.now() - t);
}

const env = envOf(seq.head());
const hashes = () => undefined;
const steps = 3 * Math.floor(1_000_000 / 12);
async function loopRun(metered: boolean): Promise<number> {
  const meter = new ExecutionMeter();
  meter.start(Date.now() + 60_000, 60_000);
  const executor = callExecutor(config, metered ? meter.evmOpts(config.chainId) : undefined);
  await simulate(config, env, seq.state, hashes, { to: loop, gas: 1_000_000n }, { executor, gasLimit: 1_000_000n });
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    meter.start(Date.now() + 60_000, 60_000);
    const t = performance.now();
    await simulate(config, env, seq.state, hashes, { to: loop, gas: 1_000_000n }, { executor, gasLimit: 1_000_000n });
    times.push(performance.now() - t);
    meter.finish();
  }
  return median(times);
}
const plain = await loopRun(false);
const metered = await loopRun(true);

const feed: number[] = [];
for (let i = 0; i < rounds; i++) {
  const t = performance.now();
  unindexedBlocks(seq, Number(seq.headNumber) - 1, 256);
  feed.push(performance.now() - t);
}

console.log(`short call through the simulator: ${median(short).toFixed(3)} ms per call (median of ${rounds})`);
console.log(
  `looping call, 1M gas (${steps} EVM steps): plain EVM ${plain.toFixed(1)} ms, metered ${metered.toFixed(1)} ms ` +
    `(${((plain / steps) * 1e6).toFixed(0)} vs ${((metered / steps) * 1e6).toFixed(0)} ns per step, x${(metered / plain).toFixed(2)})`,
);
console.log(`sequencer feed call (one new block): ${(median(feed) * 1000).toFixed(1)} us (median of ${rounds})`);
