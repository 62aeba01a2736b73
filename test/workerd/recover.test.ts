import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../core/chain/hex.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { nobleRecover } from '../../core/tx/recover.ts';
import { wasmRecover } from '../../workers/crypto/secp256k1.ts';
import { devAccount } from '../support/accounts.ts';
import { signedTransfer } from './rpc.ts';

describe('sender recovery at the edge (libsecp256k1 in WebAssembly)', () => {
  it('recovers the same sender as noble-curves for every transaction type', async () => {
    const recover = await wasmRecover();
    const account = devAccount(6);
    const common = { chainId: 31337, to: '0x000000000000000000000000000000000000dead' as const, value: 1n, nonce: 3, gas: 21_000n };
    const raws = [
      await account.signTransaction({ ...common, type: 'legacy', gasPrice: 2_000_000_000n }),
      await account.signTransaction({ ...common, type: 'eip2930', gasPrice: 2_000_000_000n, accessList: [] }),
      await signedTransfer(6, 3),
    ];
    for (const raw of raws) {
      const viaWasm = checkRawTransaction(raw, 31337n, 30_000_000n, recover);
      const viaNoble = checkRawTransaction(raw, 31337n, 30_000_000n, nobleRecover);
      expect(viaWasm.sender).toBe(account.address.toLowerCase());
      expect(viaWasm.senderPubKey).toBe(viaNoble.senderPubKey);
    }
  });

  it('refuses a signature that recovers nothing', async () => {
    const recover = await wasmRecover();
    const hash = new Uint8Array(32).fill(7);
    const signature = new Uint8Array(64).fill(0xff);
    expect(() => recover(hash, signature, 0)).toThrow();
    expect(bytesToHex(nobleRecover(hash, new Uint8Array(64).fill(1), 0)).length).toBe(132);
  });
});
