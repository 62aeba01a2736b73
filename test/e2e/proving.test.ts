/**
 * The proving pipeline on the running chain: every sealed block gets a trace blob and a signed
 * proof without manual steps, and the status shows the proving lag returning to zero.
 * Uses a fresh key funded by dev account 0.
 */
import { parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { rpc } from '../../scripts/lib/rpc.ts';
import { devAccount, rpcUrl } from './helpers.ts';

interface Status {
  head: number;
  provenHead: number;
  provingLag: number;
  failures: number;
}
const status = async (): Promise<Status> => (await fetch(new URL('/status', rpcUrl()))).json() as Promise<Status>;

describe('proving on the running chain', () => {
  it('proves every block of a burst and the lag returns to zero', async () => {
    const chainId = Number(BigInt(await rpc<string>(rpcUrl(), 'eth_chainId')));
    const funder = devAccount(0);
    const sender = privateKeyToAccount(generatePrivateKey());
    const nonce = Number(BigInt(await rpc<string>(rpcUrl(), 'eth_getTransactionCount', [funder.address, 'pending'])));
    const fee = { maxFeePerGas: 50_000_000_000n, maxPriorityFeePerGas: 1_000_000n, gas: 21_000n, type: 'eip1559' as const, chainId };
    await rpc(rpcUrl(), 'eth_sendRawTransactionSync', [await funder.signTransaction({ ...fee, to: sender.address, value: parseEther('1'), nonce })]);
    for (let n = 0; n < 20; n++)
      await rpc(rpcUrl(), 'eth_sendRawTransaction', [await sender.signTransaction({ ...fee, to: funder.address, value: 1n, nonce: n })]);
    await rpc(rpcUrl(), 'eth_sendRawTransactionSync', [await sender.signTransaction({ ...fee, to: funder.address, value: 1n, nonce: 20 })]);
    const deadline = Date.now() + 60_000;
    let s = await status();
    while ((s.provenHead < s.head || s.provingLag > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      s = await status();
    }
    expect(s.provingLag).toBe(0);
    expect(s.provenHead).toBe(s.head);
    // On an honest chain no block is ever refused, including those the other e2e files filled with
    // deployments, reverts and EIP-7702 transactions.
    expect(s.failures).toBe(0);
  });
});
