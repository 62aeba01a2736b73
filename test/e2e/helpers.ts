/**
 * Shared helpers for the e2e tests: the endpoint from globalSetup, dev accounts from the standard
 * mnemonic, viem clients on a chain defined from `eth_chainId`, and Token compile-and-deploy.
 *
 * Each test file uses its own dev accounts so files never share a nonce:
 * viem 1-3, ethers 4, cast 5, coalescing 6-7, bad input 8.
 */

import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  toHex,
  type WalletClient,
} from 'viem';
import { generatePrivateKey, type HDAccount, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { inject } from 'vitest';
import { type CompiledContract, compileContract } from '../../scripts/lib/compile.ts';
import { rpc } from '../../scripts/lib/rpc.ts';

export const MNEMONIC = 'test test test test test test test test test test test junk';
/** How often clients poll for receipts and blocks: the chain seals a block every ~100 ms. */
export const POLL_MS = 100;

export const rpcUrl = (): string => inject('rpcUrl');

export const devAccount = (index: number): HDAccount => mnemonicToAccount(MNEMONIC, { addressIndex: index });

export function devPrivateKey(index: number): Hex {
  const key = devAccount(index).getHdKey().privateKey;
  if (!key) throw new Error(`no private key for dev account ${index}`);
  return toHex(key);
}

/** An address nobody has used: its balance is exactly what the test sends it. */
export const freshAddress = (): Address => privateKeyToAccount(generatePrivateKey()).address;

/** The chain as viem needs it, with the id the endpoint reports. */
export async function getChain(url = rpcUrl()): Promise<Chain> {
  const id = Number(BigInt(await rpc<Hex>(url, 'eth_chainId')));
  return defineChain({
    id,
    name: `e2e-${id}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
}

export type Public = PublicClient<Transport, Chain>;
export type Wallet = WalletClient<Transport, Chain, Account>;

export interface ViemClients {
  chain: Chain;
  publicClient: Public;
  /** A wallet client signing locally with dev account `index`. */
  wallet: (index: number) => Wallet;
}

export async function viemClients(url = rpcUrl()): Promise<ViemClients> {
  const chain = await getChain(url);
  const transport = http(url, { retryCount: 0 });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: POLL_MS });
  const wallet = (index: number) => createWalletClient({ chain, transport, account: devAccount(index), pollingInterval: POLL_MS });
  return { chain, publicClient, wallet };
}

/** Waits for a receipt, polling often; the chain does not mine on demand. */
export const waitReceipt = (publicClient: Public, hash: Hex): Promise<TransactionReceipt> =>
  publicClient.waitForTransactionReceipt({ hash, pollingInterval: POLL_MS, timeout: 60_000 });

export const tokenArtifact = (): CompiledContract => compileContract('Token.sol', 'Token');

export interface DeployedToken {
  address: Address;
  abi: Abi;
  receipt: TransactionReceipt;
}

/** Compiles contracts/Token.sol (cached) and deploys it from `wallet`, minting `supply` to it. */
export async function deployToken(
  publicClient: Public,
  wallet: Wallet,
  { name = 'Test Token', symbol = 'TT', supply }: { name?: string; symbol?: string; supply: bigint },
): Promise<DeployedToken> {
  const { abi, bytecode } = tokenArtifact();
  const hash = await wallet.deployContract({ abi, bytecode, args: [name, symbol, supply] });
  const receipt = await waitReceipt(publicClient, hash);
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new Error(`Token deployment failed: ${JSON.stringify(receipt, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
  }
  return { address: receipt.contractAddress, abi, receipt };
}
