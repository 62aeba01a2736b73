/**
 * Accounts for the benchmark and for `npm start`: the ten development accounts of the standard
 * mnemonic, deterministic sender keys, fee parameters, signing and funding.
 */
import { type HDAccount, type Hex, keccak256, parseEther, toHex } from 'viem';
import { mnemonicToAccount, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { call, type Deadline, mapLimit, waitForReceipt } from './util.ts';

/** The mnemonic anvil and hardhat fund by default; our chain's genesis funds the same ten accounts. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
export const DEV_ACCOUNT_COUNT = 10;
export const DEV_DERIVATION_PATH = "m/44'/60'/0'/0/";

export function devAccounts(count = DEV_ACCOUNT_COUNT): HDAccount[] {
  return Array.from({ length: count }, (_, i) => mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }));
}

export function devPrivateKey(account: HDAccount): Hex {
  const key = account.getHdKey().privateKey;
  if (!key) throw new Error(`no private key for ${account.address}`);
  return toHex(key);
}

/** A fresh key derived from a seed, a role and an index: keccak256("seed/role/index"). Same inputs, same key. */
export function derivedAccount(seed: string, role: string, index: number): PrivateKeyAccount {
  return privateKeyToAccount(keccak256(toHex(`${seed}/${role}/${index}`)));
}

export async function chainIdOf(url: string): Promise<number> {
  return Number(BigInt(await call<string>(url, 'eth_chainId')));
}

export async function pendingNonce(url: string, address: string): Promise<number> {
  return Number(BigInt(await call<string>(url, 'eth_getTransactionCount', [address, 'pending'])));
}

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  baseFee: bigint;
}

export const PRIORITY_FEE = 1_000_000_000n; // 1 gwei

/** maxFeePerGas = 2 x the latest block's base fee + priority fee: room for several blocks of base-fee growth. */
export async function currentFees(url: string): Promise<Fees> {
  const block = await call<{ baseFeePerGas?: string } | null>(url, 'eth_getBlockByNumber', ['latest', false]);
  if (!block?.baseFeePerGas) throw new Error(`latest block from ${url} has no baseFeePerGas (EIP-1559 needed)`);
  const baseFee = BigInt(block.baseFeePerGas);
  return { baseFee, maxPriorityFeePerGas: PRIORITY_FEE, maxFeePerGas: 2n * baseFee + PRIORITY_FEE };
}

export interface SignedTx {
  raw: Hex;
  hash: Hex;
  nonce: number;
}

/** Signs a plain EIP-1559 ETH transfer (21000 gas). */
export async function signTransfer(
  account: PrivateKeyAccount | HDAccount,
  tx: { chainId: number; nonce: number; to: Hex; value: bigint; fees: Fees },
): Promise<SignedTx> {
  const raw = await account.signTransaction({
    type: 'eip1559',
    chainId: tx.chainId,
    nonce: tx.nonce,
    to: tx.to,
    value: tx.value,
    gas: 21_000n,
    maxFeePerGas: tx.fees.maxFeePerGas,
    maxPriorityFeePerGas: tx.fees.maxPriorityFeePerGas,
  });
  return { raw, hash: keccak256(raw), nonce: tx.nonce };
}

/** Sends a signed transaction and checks that the node returns the hash we computed. */
export async function sendRaw(url: string, tx: SignedTx): Promise<void> {
  const hash = await call<string>(url, 'eth_sendRawTransaction', [tx.raw]);
  if (typeof hash !== 'string' || hash.toLowerCase() !== tx.hash) {
    throw new Error(`eth_sendRawTransaction returned ${String(hash)}, expected ${tx.hash}`);
  }
}

export const DEFAULT_FUNDING_ETH = '10';

/**
 * Funds every recipient with one transfer from the development accounts (round robin over the ten),
 * each funder sending its share back to back, funders in parallel; waits for all funding receipts.
 */
export async function fundAccounts(
  url: string,
  recipients: readonly Hex[],
  opts: { amountEth: string; pollMs: number; deadline: Deadline; log?: (line: string) => void },
): Promise<void> {
  const chainId = await chainIdOf(url);
  const funders = devAccounts();
  const amount = parseEther(opts.amountEth);
  const fees = await currentFees(url);
  const shares = funders.map((_, f) => recipients.filter((_, i) => i % funders.length === f));
  const needed = (share: number) => BigInt(share) * (amount + 21_000n * fees.maxFeePerGas);
  await Promise.all(
    funders.map(async (funder, f) => {
      const share = shares[f]?.length ?? 0;
      if (share === 0) return;
      const balance = BigInt(await call<string>(url, 'eth_getBalance', [funder.address, 'latest']));
      if (balance < needed(share)) {
        throw new Error(
          `development account ${funder.address} (mnemonic index ${f}) holds ${balance} wei on ${url}, needs ${needed(share)} to fund ${share} senders: is the dev mnemonic funded at genesis?`,
        );
      }
    }),
  );
  const sent: string[][] = await Promise.all(
    funders.map(async (funder, f) => {
      const to = shares[f] ?? [];
      if (to.length === 0) return [];
      let nonce = await pendingNonce(url, funder.address);
      const hashes: string[] = [];
      for (const recipient of to) {
        const tx = await signTransfer(funder, { chainId, nonce: nonce++, to: recipient, value: amount, fees });
        await sendRaw(url, tx);
        hashes.push(tx.hash);
      }
      return hashes;
    }),
  );
  const hashes = sent.flat();
  const receipts = await mapLimit(hashes, 16, (hash) => waitForReceipt(url, hash, opts.pollMs, opts.deadline));
  const failed = receipts.filter((r) => r.status !== '0x1');
  if (failed.length) throw new Error(`${failed.length} funding transfers failed on ${url}: ${failed.map((r) => r.transactionHash).join(', ')}`);
  opts.log?.(`funded ${recipients.length} accounts with ${opts.amountEth} ETH each (${hashes.length} transfers)`);
}
