/**
 * The L1 contracts (contracts/l1) for scripts and tests: compiled artifacts, viem clients for an L1
 * endpoint, and `deployL1`, which deploys ThresholdVerifier, Rollup and Bridge and wires the bridge
 * into the rollup. Used by `npm start` (anvil as the L1), the e2e tests and the bench.
 */
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  getContractAddress,
  type Hash,
  type Hex,
  http,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { BatchCommitment } from '../../core/batches/commitment.ts';
import { bridgeAbi, rollupAbi, verifierAbi } from '../../core/settlement/l1Abi.ts';
import { type CompiledContract, compileContract } from './compile.ts';

export interface L1Artifacts {
  verifier: CompiledContract;
  rollup: CompiledContract;
  bridge: CompiledContract;
}

/** Compiled ThresholdVerifier, Rollup and Bridge (cached under .data/artifacts after the first call). */
export function l1Artifacts(): L1Artifacts {
  return {
    verifier: compileContract('l1/ThresholdVerifier.sol', 'ThresholdVerifier'),
    rollup: compileContract('l1/Rollup.sol', 'Rollup'),
    bridge: compileContract('l1/Bridge.sol', 'Bridge'),
  };
}

export interface L1Clients {
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  /** A wallet client signing locally with `key`. */
  wallet: (key: Hex) => WalletClient<Transport, Chain, Account>;
}

/** viem clients for an L1 endpoint, polling every `pollingIntervalMs` (viem's default of 4 s is far too slow for anvil). */
export async function l1Clients(rpcUrl: string, pollingIntervalMs = 100): Promise<L1Clients> {
  const transport = http(rpcUrl);
  const probe = createPublicClient({ transport });
  const id = await probe.getChainId();
  const chain = defineChain({ id, name: `l1-${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: pollingIntervalMs });
  const wallet = (key: Hex) => createWalletClient({ chain, transport, account: privateKeyToAccount(key), pollingInterval: pollingIntervalMs });
  return { chain, publicClient, wallet };
}

export interface DeployL1Options {
  rpcUrl: string;
  /** Pays for and sends the deployments; owner of the verifier and the rollup unless `owner` is given. */
  deployerKey: Hex;
  /** Owner of ThresholdVerifier and Rollup (default: the deployer, who hands the rollup over after setBridge). */
  owner?: Address;
  /** The only account allowed to commit, prove and execute batches. */
  operator: Address;
  provers: Address[];
  threshold: number | bigint;
  l2ChainId: bigint;
  /** Batch 0: batchNumber 0, no priority operations. */
  genesis: BatchCommitment;
  /** How long to wait for the four receipts in all (default 60 s). */
  timeoutMs?: number;
}

export interface L1Deployment {
  verifier: Address;
  rollup: Address;
  bridge: Address;
  /** The block of the first deployment: where to start scanning the contracts' logs. */
  deployBlock: bigint;
  /** Gas each transaction used (transferOwnership only when `owner` is not the deployer). */
  gasUsed: { verifier: bigint; rollup: bigint; bridge: bigint; setBridge: bigint; transferOwnership?: bigint };
}

type Step = keyof L1Deployment['gasUsed'];

/** Gas limits of the calls to the rollup: they are sent before it is mined, so they cannot be estimated. */
const ROLLUP_CALL_GAS = 100_000n;

/**
 * Deploys ThresholdVerifier(owner, provers, threshold), Rollup(owner, operator, verifier, l2ChainId,
 * genesis) and Bridge(rollup), then calls rollup.setBridge(bridge) (and, if `owner` is not the
 * deployer, rollup.transferOwnership(owner)). The transactions go out back to back with
 * consecutive nonces (the addresses follow from the nonces), so it takes one block with
 * `anvil --block-time 1` and one per transaction with automine; then every receipt is awaited
 * and checked.
 */
export async function deployL1(opts: DeployL1Options): Promise<L1Deployment> {
  const art = l1Artifacts();
  const { publicClient, wallet } = await l1Clients(opts.rpcUrl);
  const deployer = wallet(opts.deployerKey);
  const from = deployer.account.address;
  const owner = opts.owner ?? from;
  const nonce = await publicClient.getTransactionCount({ address: from, blockTag: 'pending' });
  const verifier = getContractAddress({ from, nonce: BigInt(nonce) });
  const rollup = getContractAddress({ from, nonce: BigInt(nonce + 1) });
  const bridge = getContractAddress({ from, nonce: BigInt(nonce + 2) });

  const hashes: Partial<Record<Step, Hash>> = {
    verifier: await deployer.deployContract({
      abi: verifierAbi,
      bytecode: art.verifier.bytecode,
      args: [owner, opts.provers, BigInt(opts.threshold)],
      nonce,
    }),
    rollup: await deployer.deployContract({
      abi: rollupAbi,
      bytecode: art.rollup.bytecode,
      args: [from, opts.operator, verifier, opts.l2ChainId, opts.genesis],
      nonce: nonce + 1,
    }),
    bridge: await deployer.deployContract({ abi: bridgeAbi, bytecode: art.bridge.bytecode, args: [rollup], nonce: nonce + 2 }),
    setBridge: await deployer.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'setBridge',
      args: [bridge],
      nonce: nonce + 3,
      gas: ROLLUP_CALL_GAS,
    }),
  };
  if (owner.toLowerCase() !== from.toLowerCase()) {
    hashes.transferOwnership = await deployer.writeContract({
      address: rollup,
      abi: rollupAbi,
      functionName: 'transferOwnership',
      args: [owner],
      nonce: nonce + 4,
      gas: ROLLUP_CALL_GAS,
    });
  }

  const timeout = opts.timeoutMs ?? 60_000;
  const receipts: Partial<Record<Step, TransactionReceipt>> = {};
  for (const [step, hash] of Object.entries(hashes) as [Step, Hash][]) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout });
    if (receipt.status !== 'success') throw new Error(`deployL1: ${step} transaction ${hash} reverted (block ${receipt.blockNumber})`);
    receipts[step] = receipt;
  }
  const expected = { verifier, rollup, bridge };
  for (const [step, address] of Object.entries(expected) as [keyof typeof expected, Address][]) {
    if (receipts[step]?.contractAddress?.toLowerCase() !== address.toLowerCase()) {
      throw new Error(`deployL1: ${step} deployed at ${receipts[step]?.contractAddress}, expected ${address}`);
    }
  }
  const gas = (step: Step) => receipts[step]?.gasUsed ?? 0n;
  return {
    verifier,
    rollup,
    bridge,
    deployBlock: Object.values(receipts).reduce((min, r) => (r.blockNumber < min ? r.blockNumber : min), receipts.verifier!.blockNumber),
    gasUsed: {
      verifier: gas('verifier'),
      rollup: gas('rollup'),
      bridge: gas('bridge'),
      setBridge: gas('setBridge'),
      ...(receipts.transferOwnership ? { transferOwnership: receipts.transferOwnership.gasUsed } : {}),
    },
  };
}
