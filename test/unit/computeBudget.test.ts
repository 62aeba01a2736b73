/**
 * A block's compute budget (core/execution/computeBudget.ts): precompile gas weighs its weight
 * times in the block, so a block of heavy precompile calls holds fewer of them; the rest wait for
 * the next block, and a transaction that alone outweighs a whole block is dropped with the reason
 * (its nonce stays free). The prover re-executes the included transactions and agrees.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { lower } from '../../core/chain/hex.ts';
import { PRECOMPILE_WEIGHTS } from '../../core/execution/computeBudget.ts';
import { reexecuteBlock } from '../../core/proving/reexecute.ts';
import { decodeTrace, encodeTrace } from '../../core/proving/trace.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { checkedTx, devAccount } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';
import { address, blsG1, cat } from '../support/precompiles.ts';

const G1 = bls12_381.G1;
const G1ADD = address(0x0b);
const INPUT = cat(blsG1(G1.Point.BASE.multiply(7n)), blsG1(G1.Point.BASE));
const G1ADD_GAS = 375n;

async function core(blockGasLimit: bigint) {
  const config = parseChainConfig({ DEV_CHAIN: '1', BLOCK_GAS_LIMIT: blockGasLimit.toString() });
  const seq = new SequencerCore(nodeSql(), config, { recordTraces: true });
  await seq.init();
  return { config, seq };
}

const g1add = (config: ReturnType<typeof parseChainConfig>, nonce: number) => checkedTx(config, 0, nonce, { to: G1ADD, data: INPUT, gas: 60_000n });

describe('compute budget of a block', () => {
  it('fills a block up to its gas limit in weighted gas, the rest waiting for the next block', async () => {
    const { config, seq } = await core(1_000_000n);
    const txs = await Promise.all(Array.from({ length: 12 }, (_, n) => g1add(config, n)));
    expect(seq.submit(txs).every((r) => 'hash' in r)).toBe(true);
    const first = await seq.seal(Date.now());
    const used = BigInt(seq.receipt(txs[0].hash)?.gasUsed ?? 0);
    const weight = used + BigInt(PRECOMPILE_WEIGHTS[0x0b] - 1) * G1ADD_GAS;
    const fit = Number(1_000_000n / weight);
    // Gas alone would let 1,000,000 / gasUsed of them in; the weight lets far fewer.
    expect(Number(1_000_000n / used)).toBeGreaterThan(2 * fit);
    expect(first?.included).toEqual(txs.slice(0, fit).map((t) => t.hash));
    expect(first?.dropped).toEqual([]);
    for (const t of txs.slice(0, fit)) expect(seq.receipt(t.hash)?.status).toBe('0x1');
    const second = await seq.seal(Date.now());
    expect(second?.included).toEqual(txs.slice(fit, 2 * fit).map((t) => t.hash));
    // The prover re-executes the budgeted block without any budget and reaches the same block.
    if (!second?.trace) throw new Error('the second block has no trace');
    const trace = decodeTrace(encodeTrace(second.trace));
    const proof = await reexecuteBlock(trace, config);
    expect(proof.valid).toBe(true);
  });

  it('drops a transaction that alone outweighs a whole block, with the reason, its nonce free', async () => {
    // 70,000 gas a block: one g1add transaction weighs about 115,000.
    const { config, seq } = await core(70_000n);
    const heavy = await g1add(config, 0);
    seq.submit([heavy]);
    expect(await seq.seal(Date.now())).toBeNull();
    expect(seq.transactionStatus(heavy.hash)).toMatchObject({ status: 'dropped', reason: expect.stringMatching(/^exceeds the block's compute budget/) });
    expect(seq.pendingNonce(lower(devAccount(0).address))).toBe(0n);
    // Plain transfers go on.
    const transfer = await checkedTx(config, 0, 0, { to: '0x000000000000000000000000000000000000beef', value: 1n, gas: 21_000n });
    seq.submit([transfer]);
    expect((await seq.seal(Date.now()))?.included).toEqual([transfer.hash]);
  });
});
