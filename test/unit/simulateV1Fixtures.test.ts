// The execution-apis eth_simulateV1 fixtures against the simulator core in plain Node, over a chain
// built to share the fixtures' chain id, gas limit, fee recipient, head number (0x36) and head
// timestamp (0x21c), so numbers, timestamps and transaction hashes are theirs. What differs is
// named in CHAIN_FIELDS (test/support/simulateFixtures.ts) and in NOT_APPLICABLE below.
import { readFileSync } from 'node:fs';
import Ajv2019 from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { RpcError } from '../../core/errors.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { simulateRequest } from '../../workers/rpc/methods/eth_simulateV1.ts';
import { checkedTx } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';
import { comparable, FIXTURE_HEAD, FIXTURE_HEAD_TIME, fixtureChainHashes, readIoFixtures } from '../support/simulateFixtures.ts';
import { simulatorOver } from '../support/simulator.ts';

/**
 * The genesis base fee from which 54 blocks of one transfer each leave the head's next base fee
 * at 0x16dfe9b, the fixtures' (computed by inverting core/execution/baseFee.ts's nextBaseFee
 * step by step, with no floor), so validation's base fees follow the fixtures' too.
 */
const GENESIS_BASE_FEE = 32_420_228_425n;

const config = parseChainConfig({
  DEV_CHAIN: '1',
  CHAIN_ID: String(0xc72dd9d5e883en),
  BLOCK_GAS_LIMIT: String(0xbebc200),
  GENESIS_TIMESTAMP: '0',
  GENESIS_BASE_FEE: String(GENESIS_BASE_FEE),
  BASE_FEE_FLOOR: '0',
});

/** The execution-apis specification's result schema of eth_simulateV1: every answer of ours must match it. */
const spec = JSON.parse(readFileSync(process.env.CONFORMANCE_OPENRPC ?? '/work/shared/conformance/openrpc.json', 'utf8')) as {
  methods: { name: string; result: { schema: object } }[];
};
const resultSchema = structuredClone(spec.methods.find((m) => m.name === 'eth_simulateV1')?.result.schema ?? {}) as {
  items: { properties: { calls: { items: { oneOf: { properties: { error: { oneOf: { properties: { message: { pattern?: string } } }[] } } }[] } } } };
};
// The one place geth (and its fixtures) and the schema disagree: a VM error's message is bare
// ("out of gas"), where the schema wants "vm execution error...". We answer as geth; that pattern is dropped.
delete resultSchema.items.properties.calls.items.oneOf[0].properties.error.oneOf[1].properties.message.pattern;
const validate = new Ajv2019({ strict: false, allErrors: true }).compile(resultSchema);

/** Fixtures that need what a chain of ours cannot give, with the reason. */
const NOT_APPLICABLE: Record<string, string> = {
  'eth_simulateV1/ethSimulate-blobs.io': 'blob transactions (type 3): the chain takes none, and calls carry no blobVersionedHashes',
  'eth_simulateV1/ethSimulate-empty-with-block-num-set-firstblock.io':
    "block 1 of the fixtures' chain is before London (difficulty, no base fee); ours is Prague from genesis",
};

async function chain() {
  const seq = new SequencerCore(nodeSql(), config);
  await seq.init();
  for (let n = 1n; n <= FIXTURE_HEAD; n++) {
    seq.submit([await checkedTx(config, 9, Number(n - 1n), { to: '0x00000000000000000000000000000000000000aa', value: 1n, maxFeePerGas: 10n ** 12n })]);
    await seq.seal(Number((n * FIXTURE_HEAD_TIME) / FIXTURE_HEAD) * 1000);
  }
  return { seq, sim: simulatorOver(seq, { timeoutMs: 60_000 }) };
}

describe('eth_simulateV1: execution-apis fixtures', async () => {
  const fixtures = readIoFixtures('eth_simulateV1').filter((f) => !(f.file in NOT_APPLICABLE));
  const { seq, sim } = await chain();
  const head = await sim.view.header(Number(FIXTURE_HEAD)).catch(async () => {
    await sim.view.sync();
    return sim.view.header(Number(FIXTURE_HEAD));
  });
  const theirs = fixtureChainHashes();
  const ours = new Map<string, bigint>();
  for (let n = 1; n <= Number(FIXTURE_HEAD); n++) ours.set((await sim.view.header(n)).hash, BigInt(n));
  it('the chain matches the fixtures head', () => {
    expect(BigInt(head.number)).toBe(FIXTURE_HEAD);
    expect(BigInt(head.timestamp)).toBe(FIXTURE_HEAD_TIME);
    expect(BigInt(seq.headNumber)).toBe(FIXTURE_HEAD);
    expect(theirs.size).toBe(Number(FIXTURE_HEAD));
  });
  it.each(fixtures.map((f) => [f.file, f] as const))('%s', async (_, f) => {
    const [opts, tag] = f.request.params;
    let got: unknown;
    let error: RpcError | undefined;
    try {
      const req = simulateRequest(opts);
      const block = tag === undefined || tag === 'latest' ? 'latest' : BigInt(tag as string);
      got = await sim.simulateV1(req, block);
    } catch (e) {
      if (!(e instanceof RpcError)) throw e;
      error = e;
    }
    if (f.expected.error) {
      expect(error?.code, error ? undefined : JSON.stringify(got).slice(0, 300)).toBe(f.expected.error.code);
      return;
    }
    expect(error, error?.message).toBeUndefined();
    expect(validate(got), JSON.stringify(validate.errors)).toBe(true);
    expect(comparable(got, FIXTURE_HEAD, FIXTURE_HEAD_TIME, ours)).toEqual(comparable(f.expected.result, FIXTURE_HEAD, FIXTURE_HEAD_TIME, theirs));
  });
});
