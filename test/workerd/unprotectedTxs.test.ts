/**
 * Inside workerd with wrangler.toml's [vars] (ALLOW_UNPROTECTED_TXS = "false", as deployed): a
 * legacy transaction without EIP-155 replay protection is refused and changes nothing; the raw
 * forms and the pool answer through the Worker.
 */
import { keccak256 } from 'viem';
import { describe, expect, it } from 'vitest';
import { devAccount } from '../support/accounts.ts';
import { call, result, signedTransfer, waitForReceipt } from './rpc.ts';

describe('the default configuration (a deployed chain)', () => {
  it('refuses an unprotected legacy transaction and leaves the nonce as it was', async () => {
    const account = devAccount(3);
    const nonce = await result<string>('eth_getTransactionCount', [account.address, 'pending']);
    const raw = await account.signTransaction({
      type: 'legacy',
      nonce: Number(nonce),
      to: '0x000000000000000000000000000000000000dead',
      value: 1n,
      gas: 21_000n,
      gasPrice: 3_000_000_000n,
    });
    const reply = await call('eth_sendRawTransaction', [raw]);
    expect(reply.error).toEqual({ code: -32000, message: 'only replay-protected (EIP-155) transactions allowed over RPC' });
    expect(await result<string>('eth_getTransactionCount', [account.address, 'pending'])).toBe(nonce);
  });

  it('serves the raw forms of a block and its transaction, and an empty pool', async () => {
    const nonce = Number(await result<string>('eth_getTransactionCount', [devAccount(4).address, 'pending']));
    const raw = await signedTransfer(4, nonce);
    const hash = await result<`0x${string}`>('eth_sendRawTransaction', [raw]);
    const receipt = await waitForReceipt(hash);
    expect(await result('eth_getRawTransactionByHash', [hash])).toBe(raw);
    expect(keccak256(await result<`0x${string}`>('debug_getRawHeader', [receipt.blockNumber]))).toBe(receipt.blockHash);
    expect(await result<string[]>('debug_getRawReceipts', [receipt.blockHash])).toHaveLength(1);
    expect(await result('txpool_status')).toEqual({ pending: '0x0', queued: '0x0' });
    expect((await call('debug_getRawBlock', ['0xffffff'])).error?.code).toBe(-32000);
    expect(await result('eth_getRawTransactionByHash', [`0x${'00'.repeat(32)}`])).toBeNull();
  });
});
