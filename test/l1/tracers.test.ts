/**
 * Geth's callTracer and prestateTracer (core/tracing) against a real anvil's: each transaction of the
 * cases contract is sent to anvil (`--hardfork prague`, one transaction per block), traced there
 * with debug_traceTransaction, then run again by our own executeBlock on anvil's state at the parent
 * block (read over eth_getProof, eth_getCode and eth_getStorageAt) with our tracer attached. The two
 * outputs must be equal once anvil's is turned into what current geth prints where anvil (revm-inspectors)
 * departs from geth; ANVIL_DIFFERENCES lists each (the README's tracing section too), and `gethView`
 * applies them from independent facts (the transaction, its receipt, the state at the parent block).
 */
import { join } from 'node:path';
import { createPublicClient, createWalletClient, encodeFunctionData, type Hex, http, parseEther } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { LimitExceededError } from '../../core/errors.ts';
import { simulate } from '../../core/execution/call.ts';
import { type BlockEnv, executeBlock, type TxObserver } from '../../core/execution/executeBlock.ts';
import { CALL_TRACER_LIMITS, callTracer } from '../../core/tracing/callTracer.ts';
import { prestateTracer } from '../../core/tracing/prestateTracer.ts';
import type { TracerFactory } from '../../core/tracing/tracer.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { type Anvil, startAnvil } from '../../scripts/lib/anvil.ts';
import { compileFile } from '../../scripts/lib/compile.ts';
import { rpc } from '../../scripts/lib/rpc.ts';
import { devAccount } from '../support/accounts.ts';
import { anvilState, gethView } from '../support/anvilTraces.ts';

const config = parseChainConfig({ DEV_CHAIN: '1' });
const contracts = compileFile(join(import.meta.dirname, 'TracerCases.sol'));
const parentAbi = contracts.Parent.abi;
const childAbi = contracts.Child.abi;

const CALL_CONFIGS = [{}, { onlyTopCall: true }, { withLog: true }, { onlyTopCall: true, withLog: true }];
const PRESTATE_CONFIGS = [
  {},
  { diffMode: true },
  { disableCode: true },
  { disableStorage: true },
  { diffMode: true, disableCode: true },
  { includeEmpty: true },
];

let anvil: Anvil;
const sent: { name: string; hash: Hex }[] = [];
/** The cases contract, for calls. */
let cases: Hex = '0x';
/** Transactions past the callTracer's bounds, not compared with anvil. */
const spam: Record<'logs' | 'bytes', Hex> = { logs: '0x', bytes: '0x' };

/** Runs transaction `hash`'s block again with our execution code on anvil's parent state, up to that transaction, with `tracer` attached to it. */
async function traceLocally(hash: Hex, factory: TracerFactory, tracerConfig: Record<string, unknown>): Promise<unknown> {
  const url = anvil.url;
  const tx = await rpc<{ blockNumber: Hex; transactionIndex: Hex }>(url, 'eth_getTransactionByHash', [hash]);
  const block = await rpc<{ number: Hex; parentHash: Hex; timestamp: Hex; baseFeePerGas: Hex; gasLimit: Hex; miner: Hex; mixHash: Hex; transactions: Hex[] }>(
    url,
    'eth_getBlockByNumber',
    [tx.blockNumber, false],
  );
  const env: BlockEnv = {
    number: BigInt(block.number),
    parentHash: block.parentHash,
    timestamp: BigInt(block.timestamp),
    baseFeePerGas: BigInt(block.baseFeePerGas),
    gasLimit: BigInt(block.gasLimit),
    coinbase: block.miner.toLowerCase() as Hex,
    prevRandao: block.mixHash,
  };
  const index = Number(tx.transactionIndex);
  const raws = await Promise.all(block.transactions.slice(0, index + 1).map((h) => rpc<Hex>(url, 'eth_getRawTransactionByHash', [h])));
  const txs = raws.map((raw) => checkRawTransaction(raw, config.chainId, env.gasLimit));
  const parent = `0x${(env.number - 1n).toString(16)}` as Hex;
  const blockHash = async (n: bigint) => (await rpc<{ hash: Hex } | null>(url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false]))?.hash;
  const tracer = factory(tracerConfig);
  // One tracer per transaction, as a block trace gives each its own: this one watches only `hash`.
  const observer: TxObserver = {
    before: (ctx) => (ctx.index === index ? tracer.before(ctx) : undefined),
    after: (ctx, result) => (ctx.index === index ? tracer.after(ctx, result) : undefined),
  };
  const run = await executeBlock(config, env, { priorityOps: [], txs }, anvilState(url, parent), blockHash, undefined, undefined, observer);
  expect(run.outcomes.map((o) => o.status)).toEqual(txs.map(() => 'included'));
  return tracer.result();
}

function anvilTrace(hash: Hex, tracer: string, tracerConfig: Record<string, unknown>): Promise<unknown> {
  return rpc(anvil.url, 'debug_traceTransaction', [hash, { tracer, tracerConfig }]);
}

/** Addresses in either case compare equal (anvil checksums some of them; geth prints lowercase, as we do). */
function normalized(value: unknown): unknown {
  if (typeof value === 'string') return /^0x[0-9a-fA-F]{40}$/.test(value) ? value.toLowerCase() : value;
  if (Array.isArray(value)) return value.map(normalized);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [normalized(k) as string, normalized(v)]));
  return value;
}

beforeAll(async () => {
  anvil = await startAnvil({ args: ['--hardfork', 'prague'] });
  const publicClient = createPublicClient({ transport: http(anvil.url) });
  const account = devAccount(0);
  const wallet = createWalletClient({ account, transport: http(anvil.url) });
  const chainId = await publicClient.getChainId();
  const send = async (name: string, tx: { to?: Hex; data?: Hex; value?: bigint; gas?: bigint }) => {
    const hash = await wallet.sendTransaction({ chain: { id: chainId } as never, ...tx, to: tx.to ?? null } as never);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    sent.push({ name, hash });
    return receipt;
  };
  const beneficiary = '0x00000000000000000000000000000000000b0b00' as Hex;
  const fresh = '0x000000000000000000000000000000000000f00d' as Hex;
  await send('plain transfer', { to: devAccount(1).address, value: parseEther('1.5') });
  const deployed = await send('contract creation with a CREATE in the constructor', { data: contracts.Parent.bytecode, value: 1000n });
  const parent = deployed.contractAddress as Hex;
  cases = parent;
  const child = (await publicClient.readContract({ address: parent, abi: parentAbi, functionName: 'child' })) as Hex;
  const call = (functionName: string, args: unknown[] = []) => encodeFunctionData({ abi: parentAbi, functionName, args });
  await send('nested CALL with value, STATICCALL, DELEGATECALL, logs, storage', { to: parent, data: call('nested', [5n]), value: 10n });
  await send('revert with a reason in a subcall', { to: parent, data: call('tryRevert') });
  await send('custom error in a subcall', { to: parent, data: call('tryCustom') });
  await send('out of gas in a subcall', { to: parent, data: call('tryOog') });
  await send('panic in a subcall', { to: parent, data: call('tryPanic') });
  await send('CREATE2', { to: parent, data: call('make2', ['0x'.padEnd(66, '7') as Hex]) });
  await send('CREATE then SELFDESTRUCT in one transaction', { to: parent, data: call('createAndDestroy', [beneficiary]), value: 77n });
  await send('CALLCODE', { to: parent, data: call('viaCallcode', [11n]) });
  await send('CALL with more value than the caller holds', { to: parent, data: call('tooPoor') });
  await send('precompile, BALANCE/EXTCODESIZE/EXTCODEHASH of an empty account', { to: parent, data: call('hashAndLook', [fresh]) });
  await send('top-level revert with a reason after a logging subcall', { to: parent, data: call('revertTop', ['top reason']), gas: 200_000n });
  await send('top-level custom error', { to: child, data: encodeFunctionData({ abi: childAbi, functionName: 'failCustom' }), gas: 100_000n });
  await send('SELFDESTRUCT of an old contract (EIP-6780: balance moves, code stays)', { to: parent, data: call('destroyChild', [beneficiary]) });
  // Three transactions in one block: the later ones start from the earlier ones' state and log indexes.
  await rpc(anvil.url, 'evm_setAutomine', [false]);
  const nonce = await publicClient.getTransactionCount({ address: account.address });
  const queued = await Promise.all(
    [call('nested', [8n]), call('tryRevert'), call('nested', [9n])].map((data, i) =>
      wallet.sendTransaction({ chain: { id: chainId } as never, to: parent, data, nonce: nonce + i, gas: 300_000n } as never),
    ),
  );
  await rpc(anvil.url, 'evm_mine', []);
  await rpc(anvil.url, 'evm_setAutomine', [true]);
  for (const [i, hash] of queued.entries()) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.transactionIndex).toBe(i);
    sent.push({ name: `transaction ${i} of a block of three`, hash });
  }
  const spammer = (await send('deploy Spam', { data: contracts.Spam.bytecode })).contractAddress as Hex;
  sent.pop();
  const spamAbi = contracts.Spam.abi;
  const logs = CALL_TRACER_LIMITS.entries + 1;
  spam.logs = (
    await send('logs', { to: spammer, data: encodeFunctionData({ abi: spamAbi, functionName: 'logs', args: [BigInt(logs)] }), gas: 12_000_000n })
  ).transactionHash;
  const calls = Math.ceil(CALL_TRACER_LIMITS.bytes / 65_536) + 1;
  spam.bytes = (
    await send('calls', { to: spammer, data: encodeFunctionData({ abi: spamAbi, functionName: 'calls', args: [BigInt(calls), 65_536n] }), gas: 5_000_000n })
  ).transactionHash;
  sent.splice(-2);
}, 120_000);

afterAll(async () => {
  await anvil?.stop();
});

describe('callTracer and prestateTracer equal anvil debug_traceTransaction', () => {
  it('covers every case', () => {
    expect(sent.length).toBe(18);
  });
  for (const [tracerName, factory, configs] of [
    ['callTracer', callTracer, CALL_CONFIGS],
    ['prestateTracer', prestateTracer, PRESTATE_CONFIGS],
  ] as const) {
    for (const tracerConfig of configs) {
      it(`${tracerName} ${JSON.stringify(tracerConfig)}`, async () => {
        for (const { name, hash } of sent) {
          const ours = normalized(await traceLocally(hash, factory, tracerConfig));
          const theirs = await gethView(anvil.url, hash, tracerName, tracerConfig, normalized(await anvilTrace(hash, tracerName, tracerConfig)), ours);
          expect.soft(ours, name).toEqual(theirs);
        }
      });
    }
  }
});

describe('debug_traceCall', () => {
  it('callTracer and prestateTracer of a call equal anvil debug_traceCall', async () => {
    const url = anvil.url;
    const from = devAccount(2).address.toLowerCase() as Hex;
    const data = encodeFunctionData({ abi: parentAbi, functionName: 'nested', args: [3n] });
    const gas = 500_000n;
    const head = await rpc<{ number: Hex; hash: Hex; timestamp: Hex; gasLimit: Hex; miner: Hex; mixHash: Hex }>(url, 'eth_getBlockByNumber', ['latest', false]);
    // A call runs on the head's state in the next block's environment, without fees.
    const env: BlockEnv = {
      number: BigInt(head.number) + 1n,
      parentHash: head.hash,
      timestamp: BigInt(head.timestamp) + 1n,
      baseFeePerGas: 0n,
      gasLimit: BigInt(head.gasLimit),
      coinbase: head.miner.toLowerCase() as Hex,
      prevRandao: head.mixHash,
    };
    for (const [tracerName, factory, tracerConfig] of [
      ['callTracer', callTracer, { withLog: true }],
      ['prestateTracer', prestateTracer, {}],
      ['prestateTracer', prestateTracer, { diffMode: true }],
    ] as const) {
      const tracer = factory(tracerConfig);
      await simulate(config, env, anvilState(url, head.number), () => undefined, { from, to: cases, data, value: 4n, gas }, { observer: tracer });
      const ours = normalized(tracer.result()) as Record<string, unknown>;
      const theirs = normalized(
        await rpc(url, 'debug_traceCall', [
          { from, to: cases, data, value: '0x4', gas: `0x${gas.toString(16)}` },
          head.number,
          { tracer: tracerName, tracerConfig },
        ]),
      ) as Record<string, unknown>;
      if (tracerName === 'callTracer') {
        // The receipt-based rules of ANVIL_DIFFERENCES do not apply to a call: compare what both compute alike.
        const strip = (f: Record<string, unknown>) => ({
          ...f,
          gas: undefined,
          gasUsed: undefined,
          logs: (f.logs as { index?: Hex }[] | undefined)?.map(({ index: _, ...l }) => l),
        });
        expect(strip(ours)).toEqual(strip(theirs));
        expect(ours.gas).toBe(`0x${gas.toString(16)}`);
      } else {
        // ANVIL_DIFFERENCES.prestateCodeHash: geth prints the hash of the code it prints (no code changes in this call).
        const accounts = (tracerConfig.diffMode ? theirs.pre : theirs) as Record<Hex, { code?: Hex; codeHash?: Hex }>;
        for (const a of Object.values(accounts)) if (a.code) a.codeHash = keccakHex(a.code);
        expect(ours, JSON.stringify(tracerConfig)).toEqual(theirs);
      }
    }
  });
});

describe('callTracer bounds', () => {
  it(`refuses a transaction of more than ${CALL_TRACER_LIMITS.entries} frames and logs with -32005`, async () => {
    const receipt = await rpc<{ status: Hex; logs: unknown[] }>(anvil.url, 'eth_getTransactionReceipt', [spam.logs]);
    expect(receipt.status).toBe('0x1');
    expect(receipt.logs.length).toBeGreaterThan(CALL_TRACER_LIMITS.entries);
    await expect(traceLocally(spam.logs, callTracer, { withLog: true })).rejects.toThrow(LimitExceededError);
    // Without logs the same transaction is a single frame.
    expect(await traceLocally(spam.logs, callTracer, {})).toMatchObject({ type: 'CALL' });
  });

  it(`refuses a transaction of more than ${CALL_TRACER_LIMITS.bytes} bytes of call input with -32005`, async () => {
    await expect(traceLocally(spam.bytes, callTracer, {})).rejects.toThrow(LimitExceededError);
    // Its top call alone is small.
    expect(await traceLocally(spam.bytes, callTracer, { onlyTopCall: true })).toMatchObject({ type: 'CALL' });
  });
});
