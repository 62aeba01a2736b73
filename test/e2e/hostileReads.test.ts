/**
 * Issue #10, acceptance 1: executions never hold up sealing. While 8 clients each keep a looping
 * eth_call with gas 0xffffffffffff in flight (the call is capped at RPC_GAS_CAP and aborted at
 * RPC_EVM_TIMEOUT_MS), 20 transfers sent one after another by a wallet (viem: fee lookup,
 * eth_estimateGas, eth_sendRawTransaction, receipt polling) all get their receipts, and every
 * looping call is answered with geth's timeout error. The figures (send-to-receipt median, the
 * slowest looping answer) are printed; `npm run bench` measures them under load.
 * Uses a fresh key funded from dev account 0.
 */
import { createWalletClient, http, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, describe, expect, it } from 'vitest';
import { rpc } from '../../scripts/lib/rpc.ts';
import { POLL_MS, rpcUrl, viemClients, waitReceipt } from './helpers.ts';

/** JUMPDEST PUSH1 0 JUMP as the init code of a creation: it loops until its gas runs out. */
const LOOP_CALL = { data: '0x5b600056', gas: '0xffffffffffff' };
const TIMEOUT_MS = 5_000;
const LOOPERS = 8;
const TRANSFERS = 20;

interface LoopAnswer {
  ms: number;
  error?: { code: number; message: string };
}

describe('hostile reads', () => {
  let stop = false;
  const answers: LoopAnswer[] = [];
  const loopers: Promise<void>[] = [];

  afterAll(async () => {
    stop = true;
    await Promise.all(loopers);
  });

  it('seals blocks for a wallet while 8 clients keep looping eth_calls in flight', async () => {
    const { publicClient, wallet, chain } = await viemClients();
    const key = generatePrivateKey();
    const account = privateKeyToAccount(key);
    const funding = await wallet(0).sendTransaction({ to: account.address, value: parseEther('1') });
    expect((await waitReceipt(publicClient, funding)).status).toBe('success');
    const sender = createWalletClient({ chain, transport: http(rpcUrl(), { retryCount: 0 }), account, pollingInterval: POLL_MS });

    for (let i = 0; i < LOOPERS; i++) {
      loopers.push(
        (async () => {
          while (!stop) {
            const started = performance.now();
            // A client gives up at the time limit plus 5 s: an answer must come before that.
            const res = await fetch(rpcUrl(), {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'eth_call', params: [LOOP_CALL, 'latest'] }),
              signal: AbortSignal.timeout(TIMEOUT_MS + 5_000),
            });
            const body = (await res.json()) as { error?: { code: number; message: string } };
            answers.push({ ms: performance.now() - started, error: body.error });
          }
        })(),
      );
    }
    // Let every looper have its call running before the transfers start.
    await new Promise((r) => setTimeout(r, 500));

    const latencies: number[] = [];
    for (let i = 0; i < TRANSFERS; i++) {
      const started = performance.now();
      const hash = await sender.sendTransaction({ to: '0x000000000000000000000000000000000000dEaD', value: 1n });
      const receipt = await waitReceipt(publicClient, hash);
      latencies.push(performance.now() - started);
      expect(receipt.status).toBe('success');
    }
    stop = true;
    await Promise.all(loopers);

    latencies.sort((a, b) => a - b);
    const median = latencies[Math.floor(latencies.length / 2)];
    const slowest = Math.max(...answers.map((a) => a.ms));
    console.log(
      `hostile reads: ${TRANSFERS} transfers, send-to-receipt median ${median.toFixed(0)} ms (max ${latencies[latencies.length - 1].toFixed(0)} ms); ` +
        `${answers.length} looping calls answered, slowest in ${slowest.toFixed(0)} ms`,
    );
    expect(answers.length).toBeGreaterThanOrEqual(LOOPERS);
    for (const a of answers) {
      expect(a.error?.code).toBe(-32000);
      expect(a.error?.message).toBe(`execution aborted (timeout = ${TIMEOUT_MS / 1000}s)`);
    }
    expect(await rpc(rpcUrl(), 'eth_getTransactionCount', [account.address, 'latest'])).toBe(`0x${TRANSFERS.toString(16)}`);
  });
});
