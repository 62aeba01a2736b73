/**
 * Shared by the L1 contract tests: a fresh anvil per file, viem clients, sending and awaiting
 * transactions, and asserting the custom error a call reverts with.
 */
import { type Abi, type Address, BaseError, ContractFunctionRevertedError, type Hex, type TransactionReceipt } from 'viem';
import { expect } from 'vitest';
import { encodeBatchData, encodeBlockData } from '../../core/batches/batchData.ts';
import { genesisCommitment as coreGenesisCommitment } from '../../core/batches/batcher.ts';
import { type BatchCommitment, batchHash, batchRangeDigest } from '../../core/batches/commitment.ts';
import { toQuantity } from '../../core/chain/hex.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { type Anvil, startAnvil } from '../../scripts/lib/anvil.ts';
import { deployL1, type L1Clients, type L1Deployment, l1Clients } from '../../scripts/lib/l1.ts';
import { devAccount, devKey } from '../support/accounts.ts';

export interface L1 extends L1Clients {
  anvil: Anvil;
  url: string;
}

export async function startL1(): Promise<L1> {
  const anvil = await startAnvil();
  try {
    return { anvil, url: anvil.url, ...(await l1Clients(anvil.url, 20)) };
  } catch (e) {
    await anvil.stop();
    throw e;
  }
}

/** Waits for `hash` and requires success. */
export async function mined(l1: L1, hash: Hex | Promise<Hex>): Promise<TransactionReceipt> {
  const receipt = await l1.publicClient.waitForTransactionReceipt({ hash: await hash, timeout: 30_000 });
  expect(receipt.status).toBe('success');
  return receipt;
}

/** Sends a contract call from development account `from` and waits for its successful receipt. */
export async function send(
  l1: L1,
  from: number,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[]; value?: bigint; gas?: bigint },
): Promise<TransactionReceipt> {
  // biome-ignore lint/suspicious/noExplicitAny: one helper for every contract function; the call sites are typed by the assertions on their effects
  return mined(l1, l1.wallet(devKey(from)).writeContract(call as any));
}

/** Simulates a call from development account `from` and requires it to revert with custom error `errorName`; returns the error's args. */
export async function expectRevert(
  l1: L1,
  from: number,
  call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[]; value?: bigint },
  errorName: string,
): Promise<readonly unknown[] | undefined> {
  try {
    // biome-ignore lint/suspicious/noExplicitAny: as in send()
    await l1.publicClient.simulateContract({ ...(call as any), account: devAccount(from) });
  } catch (e) {
    const reverted = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : null;
    if (!(reverted instanceof ContractFunctionRevertedError)) throw e;
    expect(reverted.data?.errorName, reverted.message).toBe(errorName);
    return reverted.data?.args;
  }
  throw new Error(`${call.functionName} did not revert (expected ${errorName})`);
}

type Json<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] };

export function commitmentOf(c: Json<BatchCommitment>): BatchCommitment {
  return {
    ...c,
    batchNumber: BigInt(c.batchNumber),
    firstBlock: BigInt(c.firstBlock),
    lastBlock: BigInt(c.lastBlock),
    firstTimestamp: BigInt(c.firstTimestamp),
    lastTimestamp: BigInt(c.lastTimestamp),
    priorityOpsCount: BigInt(c.priorityOpsCount),
  };
}

export const stateRoot = (label: string): Hex => keccakHex(new TextEncoder().encode(`state root ${label}`));

export const ZERO: Hex = `0x${'00'.repeat(32)}`;

/** The L2 chain id the contract tests deploy for, and anvil's chain id (Rollup puts block.chainid in the digest). */
export const L2_CHAIN_ID = 31337n;
export const L1_CHAIN_ID = 31337n;

/** The range digest of `batches` for the rollup at `rollup` on anvil: what provers sign. */
export function rangeDigestOf(rollup: Hex, batches: BatchCommitment[]): Hex {
  return batchRangeDigest({
    l1ChainId: L1_CHAIN_ID,
    chainId: L2_CHAIN_ID,
    rollup,
    firstBatch: batches[0].batchNumber,
    lastBatch: batches[batches.length - 1].batchNumber,
    batchHashes: batches.map(batchHash),
  });
}

/** Batch 0 of the contract tests: the sequencer's genesis commitment over a made-up state root. */
export function genesisCommitment(): BatchCommitment {
  return coreGenesisCommitment({ stateRoot: stateRoot('genesis'), timestamp: toQuantity(1_700_000_000n) });
}

/** Roles of the contract tests' 2-of-3 deployment, as development account indexes. */
export const OWNER = 0;
export const OPERATOR = 1;
export const PROVERS = [7, 8, 9];

/** Deploys verifier, rollup and bridge from OWNER with OPERATOR and PROVERS (threshold 2) over `genesis`. */
export function deployTwoOfThree(l1: L1, genesis: BatchCommitment): Promise<L1Deployment> {
  return deployL1({
    rpcUrl: l1.url,
    deployerKey: devKey(OWNER),
    operator: devAccount(OPERATOR).address,
    provers: PROVERS.map((i) => devAccount(i).address),
    threshold: 2,
    l2ChainId: L2_CHAIN_ID,
    genesis,
  });
}

/** Signed EIP-1559 L2 transfers from development account `from`, nonces from `firstNonce`: real transaction bytes for batch data. */
export async function signedTransfers(from: number, count: number, firstNonce = 0): Promise<Hex[]> {
  const account = devAccount(from);
  const recipients = [1, 2, 3, 4, 5].map((k) => devAccount((from + k) % 10).address);
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      account.signTransaction({
        type: 'eip1559',
        chainId: 31337,
        nonce: firstNonce + i,
        to: recipients[i % 5],
        value: 10n ** 15n * BigInt(i + 1),
        gas: 21_000n,
        maxFeePerGas: 2_000_000_000n,
        maxPriorityFeePerGas: 1_000_000n,
      }),
    ),
  );
}

export interface NextBatch {
  /** Blocks of the batch: transactions and priority operations applied at each block's start. */
  blocks: { transactions: Hex[]; priorityOps?: bigint }[];
  /** The bridge's rolling hash after the operations this batch consumes (default: the previous batch's). */
  priorityOpsRollingHash?: Hex;
  withdrawalsRoot?: Hex;
}

/** The batch after `prev` with real batch data (core/batches/batchData.ts) and a fresh state root. */
export function nextBatch(prev: BatchCommitment, next: NextBatch): { commitment: BatchCommitment; data: Hex } {
  const firstBlock = prev.lastBlock + 1n;
  const firstTimestamp = prev.lastTimestamp + 1n;
  const blocks = next.blocks.map((b, i) => ({
    number: firstBlock + BigInt(i),
    timestamp: firstTimestamp + BigInt(i),
    priorityOps: b.priorityOps ?? 0n,
    transactions: b.transactions,
  }));
  const bytes = encodeBatchData(blocks.map(encodeBlockData));
  const number = prev.batchNumber + 1n;
  return {
    data: `0x${Buffer.from(bytes).toString('hex')}`,
    commitment: {
      batchNumber: number,
      firstBlock,
      lastBlock: firstBlock + BigInt(blocks.length) - 1n,
      firstTimestamp,
      lastTimestamp: firstTimestamp + BigInt(blocks.length) - 1n,
      priorityOpsCount: blocks.reduce((n, b) => n + b.priorityOps, 0n),
      prevStateRoot: prev.newStateRoot,
      newStateRoot: stateRoot(`after batch ${number}`),
      txDataHash: keccakHex(bytes),
      priorityOpsRollingHash: next.priorityOpsRollingHash ?? prev.priorityOpsRollingHash,
      withdrawalsRoot: next.withdrawalsRoot ?? ZERO,
    },
  };
}
