import { bytesToHex, type Hex } from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { type ChainConfig, DEV_MNEMONIC } from '../../core/chain/config.ts';
import { type CheckedTransaction, checkRawTransaction } from '../../core/tx/decodeTransaction.ts';

/** Private key of development account i, derived from the mnemonic as anvil derives it. */
export function devKey(i: number): Hex {
  const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }).getHdKey().privateKey;
  if (!key) throw new Error('no private key derived');
  return bytesToHex(key);
}

export function devAccount(i: number) {
  return privateKeyToAccount(devKey(i));
}

/** Fields of a test transaction; anything not given takes the defaults of `checkedTx`. */
export interface TestTx {
  to?: Hex;
  value?: bigint;
  data?: Hex;
  gas?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
}

/**
 * An EIP-1559 transaction from development account `from`, signed and checked as the edge checks it
 * (defaults: 100k gas, max fee 10 gwei, tip 1 wei).
 */
export async function checkedTx(config: ChainConfig, from: number, nonce: number, tx: TestTx): Promise<CheckedTransaction> {
  const raw = await devAccount(from).signTransaction({
    chainId: Number(config.chainId),
    type: 'eip1559',
    nonce,
    gas: 100_000n,
    maxFeePerGas: 10n ** 10n,
    maxPriorityFeePerGas: 1n,
    ...tx,
  });
  return checkRawTransaction(raw, config.chainId, config.blockGasLimit);
}
