import { bytesToHex, type Hex } from 'viem';
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { DEV_MNEMONIC } from '../../core/chain/config.ts';

/** Private key of development account i, derived from the mnemonic as anvil derives it. */
export function devKey(i: number): Hex {
  const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }).getHdKey().privateKey;
  if (!key) throw new Error('no private key derived');
  return bytesToHex(key);
}

export function devAccount(i: number) {
  return privateKeyToAccount(devKey(i));
}
