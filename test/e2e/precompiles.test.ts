/**
 * The point-evaluation precompile (0x0a) on the running chain, built as `wrangler deploy` builds it:
 * viem's eth_call answers the EIP-4844 output, and transactions calling it (from a fresh key funded
 * by dev account 0) get receipts, success for a valid opening and failure for a wrong one. Their
 * blocks are proven like every other (proving.test.ts runs last and requires every block proven).
 */
import { createWalletClient, type Hex, http, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { beforeAll, describe, expect, it } from 'vitest';
import { BLS_MODULUS, blobOf, POINT_EVALUATION_OUTPUT, pointEvaluation, pointEvaluationInput } from '../support/kzg.ts';
import { POLL_MS, rpcUrl, type ViemClients, viemClients } from './helpers.ts';

const POINT_EVALUATION: Hex = '0x000000000000000000000000000000000000000a';

let clients: ViemClients;
let valid: Hex;
let wrongY: Hex;

beforeAll(async () => {
  clients = await viemClients();
  const opening = pointEvaluation(blobOf(11n), 0xc0ffeen);
  valid = pointEvaluationInput(opening);
  wrongY = pointEvaluationInput({ ...opening, y: `0x${((BigInt(opening.y) + 1n) % BLS_MODULUS).toString(16).padStart(64, '0')}` });
});

describe('point evaluation (0x0a) on the running chain', () => {
  it('answers eth_call with FIELD_ELEMENTS_PER_BLOB and the modulus', async () => {
    expect(await clients.publicClient.call({ to: POINT_EVALUATION, data: valid })).toEqual({ data: POINT_EVALUATION_OUTPUT });
    await expect(clients.publicClient.call({ to: POINT_EVALUATION, data: wrongY })).rejects.toThrow(/kzg proof invalid/);
  });

  it('includes transactions calling it: success for a valid opening, failure for a wrong one', async () => {
    const sender = privateKeyToAccount(generatePrivateKey());
    await clients.wallet(0).sendTransactionSync({ to: sender.address, value: parseEther('0.1') });
    const wallet = createWalletClient({ chain: clients.chain, transport: http(rpcUrl(), { retryCount: 0 }), account: sender, pollingInterval: POLL_MS });
    const send = (data: Hex) => wallet.sendTransactionSync({ to: POINT_EVALUATION, data, gas: 200_000n });
    const ok = await send(valid);
    expect(ok.status).toBe('success');
    const bad = await send(wrongY);
    expect(bad.status).toBe('reverted');
    expect(bad.gasUsed).toBe(200_000n);
  });
});
