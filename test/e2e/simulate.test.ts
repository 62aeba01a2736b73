/**
 * eth_simulateV1 and eth_call / eth_estimateGas overrides, differentially: the chain and a plain
 * anvil (`--hardfork prague`, started here on a free port) get the same deployment and transaction
 * from an account each funds the same way, then the same requests. Answers must be equal apart from
 * the fields named in ANVIL_DIFFERS (README: eth_simulateV1), where anvil 1.7.1 departs from geth and
 * the execution-apis fixtures, which the chain follows (test/unit/simulateV1Fixtures.test.ts).
 */
import { createPublicClient, createWalletClient, encodeFunctionData, type Hex, http, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, freePort, type Spawned, spawnService } from '../../scripts/lib/process.ts';
import { adaptRequest, readIoFixtures } from '../support/simulateFixtures.ts';
import { type DeployedToken, deployToken, devAccount, type Public, rpcUrl, viemClients, type Wallet, waitReceipt } from './helpers.ts';

/**
 * Fields of a simulated block or call that anvil answers differently from geth (and so from us):
 * - hash, parentHash, stateRoot, transactionsRoot, receiptsRoot, transactions: anvil leaves the
 *   parent hash and state root zero and gives one fixed root for both tries; its transaction
 *   hashes are not those geth gives an unsigned call. Ours follow geth, except stateRoot (zero:
 *   the simulator keeps no trie) and hence hash.
 * - number and timestamp of a block without overrides: anvil numbers the first simulated block as
 *   the base block itself, with its time; geth (and we) take base + 1 and base time + 12.
 * - baseFeePerGas without validation and without override: geth (and we) answer 0, anvil the
 *   next block's base fee.
 * - logsBloom: anvil includes the transfer logs of traceTransfers; geth (and we) only the EVM's.
 * - maxUsedGas, size, blobGasUsed, excessBlobGas, parentBeaconBlockRoot, requestsHash,
 *   withdrawals, withdrawalsRoot: geth's fields that anvil does not answer.
 * - logs' blockHash and transactionHash follow the block and transaction hashes above.
 * - a failed call: anvil keeps its transfer logs and answers error -3200 "execution failed" for a
 *   revert without data; geth (and we) drop the logs of a reverted frame and answer code 3.
 * - validation: anvil 1.7.1 refuses no nonce, base fee or block order, and a value above the
 *   balance with -32003; geth (and we) answer -38010..-38026 as the execution-apis fixtures
 *   state. Only accepted requests compare.
 * - prevRandao of the base block (eth_call without that override) is each chain's own; in
 *   eth_simulateV1 anvil ignores a prevRandao override, and without one its PREVRANDAO is the
 *   base block's, where geth's simulated blocks have a zero mixHash.
 * - eth_estimateGas: geth (and we) stop the binary search within 1.5% above the least gas that
 *   works; anvil searches to the unit, so its answer can be up to 1.5% lower.
 */
const ANVIL_DIFFERS = {
  block: ['hash', 'parentHash', 'stateRoot', 'transactionsRoot', 'receiptsRoot', 'transactions', 'logsBloom', 'baseFeePerGas', 'number', 'timestamp'],
  blockOnlyOurs: ['size', 'blobGasUsed', 'excessBlobGas', 'parentBeaconBlockRoot', 'requestsHash', 'withdrawals', 'withdrawalsRoot'],
  call: ['maxUsedGas'],
  failedCall: ['logs', 'error'],
  log: ['blockHash', 'transactionHash', 'blockNumber', 'blockTimestamp'],
} as const;

type Json = Record<string, unknown>;

/** Fixtures not run over HTTP, with the reason (each runs in plain Node unless named there too). */
const FIXTURES_NOT_OVER_HTTP: Record<string, string> = {
  'eth_simulateV1/ethSimulate-blobs.io': 'blob transactions (type 3): the chain takes none',
  'eth_simulateV1/ethSimulate-empty-with-block-num-set-firstblock.io': "block 1 of the fixtures' chain is before London",
  'eth_simulateV1/ethSimulate-blockhash-start-before-head.io':
    "its calls read BLOCKHASH of blocks 1, 2 and 19 (in calldata, not moved) and revert on a zero hash: those blocks must exist and lie within 256 of the head, as on the fixtures' chain (it runs in plain Node over 54 blocks)",
};

let anvil: Spawned;
let anvilUrl: string;
let ours: { pub: Public; wallet: Wallet };
let theirs: { pub: Public; wallet: Wallet };
/** The test's own account (same key on both chains) and what it deployed: at the same address on both. */
let key: Hex;
let token: DeployedToken;
const holder = privateKeyToAccount(generatePrivateKey()).address;

/** Emits LOG1 and forwards its value to the address in its first calldata word; reverts if that fails. */
const FORWARDER: Hex = `0x600060006000600034600035 5af115603e57602a6000527f${'11'.repeat(32)}60206000a1005b60006000fd`.replace(/ /g, '') as Hex;
/** Returns NUMBER, TIMESTAMP, COINBASE, PREVRANDAO, GASLIMIT, CHAINID and SLOAD(0) as 7 words. */
const BLOCK_READER: Hex = '0x43600052426020524160405244606052456080524660a05260005460c05260e06000f3';

async function rpc(url: string, method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return (await res.json()) as never;
}

/** Both chains' answers to one request. */
async function both(method: string, params: unknown[]) {
  const [a, b] = await Promise.all([rpc(rpcUrl(), method, params), rpc(anvilUrl, method, params)]);
  return { ours: a, anvil: b };
}

function omit(o: Json, keys: readonly string[]): Json {
  const out: Json = { ...o };
  for (const k of keys) delete out[k];
  return out;
}

/** A simulated chain with the fields of ANVIL_DIFFERS taken out (`keep`: block fields compared anyway, as when overridden). */
function comparable(blocks: unknown, keep: string[] = []): unknown {
  if (!Array.isArray(blocks)) return blocks;
  const drop = ANVIL_DIFFERS.block.filter((f) => !keep.includes(f));
  return blocks.map((b: Json) => ({
    ...omit(b, [...drop, ...ANVIL_DIFFERS.blockOnlyOurs]),
    calls: (b.calls as Json[]).map((c) =>
      c.status === '0x1'
        ? { ...omit(c, ANVIL_DIFFERS.call), logs: (c.logs as Json[]).map((l) => omit(l, ANVIL_DIFFERS.log)) }
        : omit(c, [...ANVIL_DIFFERS.call, ...ANVIL_DIFFERS.failedCall]),
    ),
  }));
}

async function waitForAnvil(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await rpc(url, 'eth_chainId', [])).result) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`anvil did not start: ${anvil.output()}`);
}

beforeAll(async () => {
  const c = await viemClients();
  ours = { pub: c.publicClient, wallet: c.wallet(4) };
  const port = await freePort();
  anvil = spawnService(bin('anvil'), ['--hardfork', 'prague', '--port', String(port), '--chain-id', String(c.chain.id)]);
  anvilUrl = `http://127.0.0.1:${port}`;
  await waitForAnvil(anvilUrl);
  const transport = http(anvilUrl, { retryCount: 0 });
  theirs = {
    pub: createPublicClient({ chain: c.chain, transport, pollingInterval: 100 }) as Public,
    wallet: createWalletClient({ chain: c.chain, transport, account: devAccount(4), pollingInterval: 100 }) as Wallet,
  };
  // The same new account on both chains, funded alike: its deployment lands at the same address.
  key = generatePrivateKey();
  const me = privateKeyToAccount(key);
  const deployed: DeployedToken[] = [];
  for (const side of [ours, theirs]) {
    await waitReceipt(side.pub, await side.wallet.sendTransaction({ to: me.address, value: parseEther('10') }));
    const wallet = createWalletClient({
      chain: c.chain,
      transport: side === ours ? http(rpcUrl(), { retryCount: 0 }) : transport,
      account: me,
      pollingInterval: 100,
    }) as Wallet;
    const t = await deployToken(side.pub, wallet, { name: 'Sim', symbol: 'SIM', supply: parseEther('1000') });
    await waitReceipt(side.pub, await wallet.writeContract({ address: t.address, abi: t.abi, functionName: 'transfer', args: [holder, parseEther('1')] }));
    deployed.push(t);
  }
  expect(deployed[0].address).toBe(deployed[1].address);
  token = deployed[0];
}, 120_000);

afterAll(async () => {
  await anvil?.stop();
});

const me = () => privateKeyToAccount(key).address.toLowerCase() as Hex;
const transferData = (to: Hex, amount: bigint) => encodeFunctionData({ abi: token.abi, functionName: 'transfer', args: [to, amount] });
const balanceOfData = (who: Hex) => encodeFunctionData({ abi: token.abi, functionName: 'balanceOf', args: [who] });
const SPONSOR: Hex = '0xc000000000000000000000000000000000000000';
const FORWARD_AT: Hex = '0xc100000000000000000000000000000000000000';
const SINK: Hex = '0xc200000000000000000000000000000000000000';
const word = (a: Hex) => `0x${a.slice(2).padStart(64, '0')}` as Hex;

describe('eth_simulateV1 against anvil', () => {
  it('two blocks over deployed state and overrides, with transfer logs, give the same calls', async () => {
    const params = [
      {
        blockStateCalls: [
          {
            blockOverrides: {},
            stateOverrides: { [SPONSOR]: { balance: '0xde0b6b3a7640000' }, [FORWARD_AT]: { code: FORWARDER } },
            calls: [
              { from: me(), to: token.address, data: transferData(SINK, 5n) },
              { from: SPONSOR, to: FORWARD_AT, value: '0x3e8', data: word(SINK) },
              { from: SPONSOR, to: FORWARD_AT, value: '0x1', data: word(token.address) },
            ],
          },
          {
            calls: [
              { from: SINK, to: token.address, data: balanceOfData(SINK) },
              { from: SPONSOR, to: SINK, value: '0x7' },
            ],
          },
        ],
        traceTransfers: true,
      },
      'latest',
    ];
    const r = await both('eth_simulateV1', params);
    expect(r.ours.error).toBeUndefined();
    expect(r.anvil.error).toBeUndefined();
    const blocks = r.ours.result as Json[];
    expect(blocks).toHaveLength(2);
    const failed = (blocks[0].calls as Json[])[2];
    expect(failed.logs).toEqual([]);
    expect(failed.error).toEqual({ code: 3, message: 'execution reverted', data: '0x' });
    // The calls did what they say: a token transfer (log), a forwarded value (transfer logs), a refused one (reverted).
    const calls = blocks[0].calls as Json[];
    expect(calls.map((c) => c.status)).toEqual(['0x1', '0x1', '0x0']);
    expect((calls[1].logs as Json[]).map((l) => l.address)).toEqual([
      '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
      '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
      FORWARD_AT,
    ]);
    expect(BigInt((blocks[1].calls as Json[])[0].returnData as Hex)).toBe(5n);
    expect(comparable(r.ours.result)).toEqual(comparable(r.anvil.result));
  });

  it('block overrides reach the EVM, and storage overrides replace or patch', async () => {
    // Absolute block numbers must lie past both bases and within 256 of them: anvil is mined up to our head.
    const base = await ours.pub.getBlockNumber({ cacheTime: 0 });
    const anvilHead = await theirs.pub.getBlockNumber({ cacheTime: 0 });
    if (anvilHead < base) await rpc(anvilUrl, 'anvil_mine', [`0x${(base - anvilHead).toString(16)}`]);
    const at = (n: bigint) => `0x${(base + n).toString(16)}`;
    const params = [
      {
        blockStateCalls: [
          {
            blockOverrides: { number: at(10n), time: '0x80000000', feeRecipient: SINK, gasLimit: '0x1c9c380' },
            stateOverrides: { [FORWARD_AT]: { code: BLOCK_READER, state: { [word('0x0')]: word('0x2a') } } },
            calls: [{ to: FORWARD_AT }],
          },
          {
            blockOverrides: { number: at(12n), time: '0x80000020' },
            stateOverrides: { [FORWARD_AT]: { stateDiff: { [word('0x0')]: word('0x2b') } } },
            calls: [{ to: FORWARD_AT }],
          },
        ],
      },
      at(0n),
    ];
    const r = await both('eth_simulateV1', params);
    expect(r.ours.error).toBeUndefined();
    expect(r.anvil.error).toBeUndefined();
    const blocks = r.ours.result as Json[];
    // Geth fills the gaps (from the base up, and between) with empty blocks; anvil does not (documented): compare the blocks both have.
    expect(blocks.map((b) => b.number)).toEqual(Array.from({ length: 12 }, (_, i) => at(BigInt(i + 1))));
    expect(blocks.filter((b) => (b.calls as unknown[]).length > 0).map((b) => b.number)).toEqual([at(10n), at(12n)]);
    const words = ((blocks[9].calls as Json[])[0].returnData as string).slice(2).match(/.{64}/g) as string[];
    expect(words.map((w) => BigInt(`0x${w}`))).toEqual([
      base + 10n,
      0x80000000n,
      BigInt(SINK),
      0n,
      0x1c9c380n,
      BigInt((await ours.pub.getChainId()) ?? 0),
      0x2an,
    ]);
    const anvilBlocks = r.anvil.result as Json[];
    // PREVRANDAO (the 4th word) without an override: geth's simulated blocks have a zero mixHash, anvil reads its base block's (documented).
    const noRandao = (b: Json) => ({
      ...b,
      calls: (b.calls as Json[]).map((c) => ({
        ...c,
        returnData: `${(c.returnData as string).slice(0, 2 + 3 * 64)}${'-'.repeat(64)}${(c.returnData as string).slice(2 + 4 * 64)}`,
      })),
    });
    expect(comparable([blocks[9], blocks[11]].map(noRandao), ['number', 'timestamp'])).toEqual(
      comparable([anvilBlocks[0], anvilBlocks[anvilBlocks.length - 1]].map(noRandao), ['number', 'timestamp']),
    );
  });

  it('validation: an acceptable transaction gives the same result; what geth refuses, we refuse with its codes', async () => {
    const ok = [
      { blockStateCalls: [{ calls: [{ from: me(), to: token.address, data: transferData(SINK, 1n), maxFeePerGas: '0x174876e800' }] }], validation: true },
      'latest',
    ];
    const r = await both('eth_simulateV1', ok);
    expect(r.ours.error).toBeUndefined();
    expect(r.anvil.error).toBeUndefined();
    expect(comparable(r.ours.result)).toEqual(comparable(r.anvil.result));
    const head = await ours.pub.getBlockNumber({ cacheTime: 0 });
    const next = (n: bigint) => `0x${(head + n).toString(16)}`;
    /** Each request, geth's code, and what anvil 1.7.1 answers instead (undefined: it accepts it). */
    const refused: [unknown[], number, number | undefined][] = [
      [
        [{ blockStateCalls: [{ calls: [{ from: me(), to: SINK, nonce: '0x0', maxFeePerGas: '0x174876e800' }] }], validation: true }, 'latest'],
        -38010,
        undefined,
      ],
      [
        [{ blockStateCalls: [{ calls: [{ from: me(), to: SINK, nonce: '0x50', maxFeePerGas: '0x174876e800' }] }], validation: true }, 'latest'],
        -38011,
        undefined,
      ],
      [[{ blockStateCalls: [{ calls: [{ from: me(), to: SINK }] }], validation: true }, 'latest'], -38012, undefined],
      [[{ blockStateCalls: [{ calls: [{ from: SINK, to: SPONSOR, value: '0x1' }] }] }, 'latest'], -38014, -32003],
      [[{ blockStateCalls: [{ blockOverrides: { number: next(5n) } }, { blockOverrides: { number: next(3n) } }] }, 'latest'], -38020, undefined],
    ];
    for (const [params, code, anvilCode] of refused) {
      const answer = await both('eth_simulateV1', params);
      expect(answer.ours.error?.code, JSON.stringify(params)).toBe(code);
      // Documented in ANVIL_DIFFERS.
      expect(answer.anvil.error?.code, JSON.stringify(answer.anvil.error)).toBe(anvilCode);
    }
  });
});

describe('eth_call and eth_estimateGas overrides against anvil', () => {
  it('state overrides (balance, nonce, code, state, stateDiff) and block overrides give the same answers', async () => {
    const cases: unknown[][] = [
      [
        { to: FORWARD_AT },
        'latest',
        { [FORWARD_AT]: { code: BLOCK_READER, stateDiff: { [word('0x0')]: word('0x7') } } },
        { number: '0x4242', time: '0x90000000', feeRecipient: SPONSOR, prevRandao: word('0x77') },
      ],
      [{ to: token.address, data: balanceOfData(holder as Hex) }, 'latest', { [token.address]: { stateDiff: {} } }],
      [{ to: token.address, data: balanceOfData(holder as Hex) }, 'latest', { [token.address]: { state: {} } }],
      [
        { from: SPONSOR, to: FORWARD_AT, value: '0x10', data: word(SINK) },
        'latest',
        { [SPONSOR]: { balance: '0x100', nonce: '0x5' }, [FORWARD_AT]: { code: FORWARDER } },
      ],
    ];
    for (const params of cases) {
      const r = await both('eth_call', params);
      expect(r.ours.error, JSON.stringify(r.ours.error)).toBeUndefined();
      expect(r.ours.result).toEqual(r.anvil.result);
    }
    // Replacing the token's storage empties every balance; patching nothing keeps them.
    expect(BigInt((await rpc(rpcUrl(), 'eth_call', cases[1])).result as Hex)).toBe(parseEther('1'));
    expect(BigInt((await rpc(rpcUrl(), 'eth_call', cases[2])).result as Hex)).toBe(0n);
    const estimate = await both('eth_estimateGas', [
      { from: SPONSOR, to: FORWARD_AT, value: '0x10', data: word(SINK) },
      'latest',
      { [SPONSOR]: { balance: '0x100' }, [FORWARD_AT]: { code: FORWARDER } },
    ]);
    expect(estimate.ours.error).toBeUndefined();
    expect(estimate.anvil.error).toBeUndefined();
    // Geth (and we) stop the search within 1.5% above the least gas that works; anvil searches to the unit.
    const [a, b] = [BigInt(estimate.ours.result as Hex), BigInt(estimate.anvil.result as Hex)];
    expect(a >= b && (a - b) * 1000n <= b * 15n, `${a} against ${b}`).toBe(true);
  });

  it('refuses malformed overrides with -32602', async () => {
    const r = await rpc(rpcUrl(), 'eth_call', [{ to: SINK }, 'latest', { [SINK]: { state: {}, stateDiff: {} } }]);
    expect(r.error?.code).toBe(-32602);
    const bad = await rpc(rpcUrl(), 'eth_call', [{ to: SINK }, 'latest', { nonsense: {} }]);
    expect(bad.error?.code).toBe(-32602);
  });
});

/**
 * The execution-apis eth_simulateV1 fixtures over HTTP against the chain as it is (our genesis,
 * chain id and head): block numbers and times the fixtures name are moved to keep their distance
 * from our head (test/support/simulateFixtures.ts adaptRequest). What a fixture's answer shares
 * with ours on any chain is compared: errors by code (the reference runner's rule), and each call's
 * status, gas, error and logs (address, topics, data). Return data and header fields depend on the
 * chain (chain id, gas limit, base fee, hashes): those are compared in full in plain Node over a
 * chain built to the fixtures' shape (test/unit/simulateV1Fixtures.test.ts).
 */
describe('eth_simulateV1: execution-apis fixtures over HTTP', () => {
  const fixtures = readIoFixtures('eth_simulateV1').filter((f) => !(f.file in FIXTURES_NOT_OVER_HTTP));
  const callView = (blocks: unknown) =>
    Array.isArray(blocks)
      ? blocks.map((b: Json) => ({
          calls: (b.calls as Json[]).map((c) => ({
            status: c.status,
            gasUsed: c.gasUsed,
            error: (c.error as Json | undefined)?.code,
            logs: (c.logs as Json[]).map((l) => [l.address, l.topics, l.data]),
          })),
        }))
      : blocks;
  it.each(fixtures.map((f) => [f.file, f] as const))('%s', async (_, f) => {
    const head = await ours.pub.getBlock({ blockTag: 'latest' });
    const params = adaptRequest(f.request.params, head.number, head.timestamp);
    const reply = await rpc(rpcUrl(), 'eth_simulateV1', params);
    if (f.expected.error) {
      expect(reply.error?.code, JSON.stringify(reply).slice(0, 300)).toBe(f.expected.error.code);
      return;
    }
    expect(reply.error, JSON.stringify(reply.error)).toBeUndefined();
    expect(callView(reply.result)).toEqual(callView(f.expected.result));
  });
});
