/**
 * Concurrent eth_sendRawTransaction requests to the running chain share Durable Object calls at the
 * edge (workers/rpc/submitCoalescer.ts): every request still gets its own hash or its own refusal,
 * every accepted transaction is mined, and the edge isolate reports fewer calls than transactions.
 * Dev accounts 6 and 7 (other files may have used them before: nonces start from their count).
 */
import { type Hex, keccak256 } from 'viem';
import { describe, expect, it } from 'vitest';
import { JsonRpcCallError, rpc } from '../../scripts/lib/rpc.ts';
import { devAccount, POLL_MS, rpcUrl } from './helpers.ts';

const senders = [devAccount(6), devAccount(7)];

async function edgeCounters(): Promise<{ submitCalls: number; submittedTxs: number }> {
  const res = await fetch(new URL('/status', rpcUrl()));
  return ((await res.json()) as { edge: { submitCalls: number; submittedTxs: number } }).edge;
}

const firstNonce: number[] = [];

/** A transfer from sender `from` with the `k`-th nonce after the ones it had when the file started. */
async function transfer(from: number, k: number): Promise<Hex> {
  firstNonce[from] ??= Number(await rpc<Hex>(rpcUrl(), 'eth_getTransactionCount', [senders[from].address, 'pending']));
  const nonce = firstNonce[from] + k;
  const fees = await rpc<Hex>(rpcUrl(), 'eth_gasPrice');
  return senders[from].signTransaction({
    chainId: Number(await rpc<Hex>(rpcUrl(), 'eth_chainId')),
    type: 'eip1559',
    nonce,
    to: '0x000000000000000000000000000000000000dEaD',
    value: 1n,
    gas: 21_000n,
    maxFeePerGas: BigInt(fees) * 3n,
    maxPriorityFeePerGas: 1n,
  });
}

const send = (raw: Hex) => rpc<Hex>(rpcUrl(), 'eth_sendRawTransaction', [raw]).catch((e: JsonRpcCallError) => e);

async function receipt(hash: Hex): Promise<{ status: Hex }> {
  for (;;) {
    const r = await rpc<{ status: Hex } | null>(rpcUrl(), 'eth_getTransactionReceipt', [hash]);
    if (r) return r;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe('edge submission coalescing', () => {
  it('answers concurrent requests each with its own hash, in fewer sequencer calls than transactions', async () => {
    const raws: Hex[] = [];
    for (let nonce = 0; nonce < 12; nonce++) for (const from of [0, 1]) raws.push(await transfer(from, nonce));
    const before = await edgeCounters();
    const answers = await Promise.all(raws.map(send));
    expect(answers).toEqual(raws.map((raw) => keccak256(raw)));
    const after = await edgeCounters();
    expect(after.submittedTxs - before.submittedTxs).toBe(raws.length);
    expect(after.submitCalls - before.submitCalls).toBeLessThan(raws.length);
    for (const raw of raws.slice(-2)) expect((await receipt(keccak256(raw))).status).toBe('0x1');
  });

  it('refuses a replayed transaction among concurrent ones without failing the others', async () => {
    const fresh = await transfer(0, 12);
    const replayed = await transfer(1, 0);
    const [accepted, refused] = await Promise.all([send(fresh), send(replayed)]);
    expect(accepted).toBe(keccak256(fresh));
    expect(refused).toBeInstanceOf(JsonRpcCallError);
    expect((refused as JsonRpcCallError).message).toMatch(/nonce too low|already known/);
    expect((await receipt(keccak256(fresh))).status).toBe('0x1');
  });
});
