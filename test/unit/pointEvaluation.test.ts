/**
 * The point-evaluation precompile (0x0a, EIP-4844) in the sequencer and the prover: calls answer
 * as the EIP says, a transaction calling it is included with its receipt (success for a valid
 * opening, failure with all its gas for an invalid one), and stateless re-execution of that block
 * agrees with the sequencer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { type Hex, hexToBytes } from '../../core/chain/hex.ts';
import { reexecuteBlock } from '../../core/proving/reexecute.ts';
import { decodeTrace, encodeTrace } from '../../core/proving/trace.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import type { SimulatorCore } from '../../core/simulation/simulator.ts';
import { checkedTx } from '../support/accounts.ts';
import { BLS_MODULUS, blobOf, POINT_EVALUATION_OUTPUT, pointEvaluation, pointEvaluationInput } from '../support/kzg.ts';
import { nodeSql } from '../support/nodeSql.ts';
import { simulatorOver } from '../support/simulator.ts';

const config = parseChainConfig({ DEV_CHAIN: '1' });
const POINT_EVALUATION: Hex = '0x000000000000000000000000000000000000000a';
const NOW = 1_800_000_000_000;
const PRECOMPILE_GAS = 50_000n;

let seq: SequencerCore;
let queries: SimulatorCore;
let valid: Hex;
let wrongY: Hex;

/** Prague's intrinsic gas of a call with `data` (no access list): 21000 plus 4 per zero byte and 16 per other byte. */
function intrinsicGas(data: Hex): bigint {
  let gas = 21_000n;
  for (const b of hexToBytes(data)) gas += b === 0 ? 4n : 16n;
  return gas;
}

beforeAll(async () => {
  seq = new SequencerCore(nodeSql(), config);
  await seq.init();
  queries = simulatorOver(seq);
  const opening = pointEvaluation(blobOf(1n), 0x1234_5678_9abc_def0n);
  valid = pointEvaluationInput(opening);
  wrongY = pointEvaluationInput({ ...opening, y: `0x${((BigInt(opening.y) + 1n) % BLS_MODULUS).toString(16).padStart(64, '0')}` });
}, 60_000); // computing the opening (commitment and proof over a blob) takes seconds of CPU on a loaded machine

describe('point evaluation (0x0a)', () => {
  it('answers a call with a valid opening with FIELD_ELEMENTS_PER_BLOB and the modulus', async () => {
    expect(await queries.call({ to: POINT_EVALUATION, data: valid }, seq.headNumber)).toBe(POINT_EVALUATION_OUTPUT);
  });

  it('fails a call whose opening does not verify, or whose commitment does not match the versioned hash', async () => {
    await expect(queries.call({ to: POINT_EVALUATION, data: wrongY }, seq.headNumber)).rejects.toThrow(/kzg proof invalid/);
    const otherHash = `0x01${'00'.repeat(31)}${valid.slice(66)}` as Hex;
    await expect(queries.call({ to: POINT_EVALUATION, data: otherHash }, seq.headNumber)).rejects.toThrow(/kzg commitment does not match versioned hash/);
  });

  it('includes transactions calling it, and the prover re-executes the block to the same result', async () => {
    const gas = 200_000n;
    const ok = await checkedTx(config, 0, 0, { to: POINT_EVALUATION, data: valid, gas });
    const bad = await checkedTx(config, 0, 1, { to: POINT_EVALUATION, data: wrongY, gas });
    seq.submit([ok, bad]);
    const sealed = await seq.seal(NOW, { trace: true });
    if (!sealed?.trace) throw new Error('no block sealed');
    expect(sealed.dropped).toEqual([]);
    expect(sealed.included).toEqual([ok.hash, bad.hash]);

    const okReceipt = seq.receipt(ok.hash);
    expect(okReceipt?.status).toBe('0x1');
    expect(BigInt(okReceipt?.gasUsed ?? 0)).toBe(intrinsicGas(valid) + PRECOMPILE_GAS);
    // A failed precompile call consumes all the gas it was given, as on every Ethereum client.
    const badReceipt = seq.receipt(bad.hash);
    expect(badReceipt?.status).toBe('0x0');
    expect(BigInt(badReceipt?.gasUsed ?? 0)).toBe(gas);
    expect(seq.stateNonce(ok.sender)).toBe(2n);

    const verdict = await reexecuteBlock(decodeTrace(encodeTrace(sealed.trace)), config);
    expect(verdict).toEqual({ valid: true, result: expect.objectContaining({ stateRoot: sealed.header.stateRoot, blockHash: sealed.header.hash }) });
  });
});
