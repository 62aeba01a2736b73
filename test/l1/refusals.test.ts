/**
 * Every refusal of Rollup, Bridge and ThresholdVerifier on a fresh anvil, by the custom error viem
 * decodes from the revert (calls are simulated; the few state changes between them are sent).
 */
import { type Address, decodeErrorResult, encodeDeployData, type Hex, keccak256, toBytes } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchCommitment, batchHash, batchRangeDigest } from '../../core/batches/commitment.ts';
import { EMPTY_ROLLING_HASH, nextRollingHash, type PriorityOp } from '../../core/bridge/priorityOps.ts';
import { merkleProof, merkleRoot, type Withdrawal, withdrawalLeaf } from '../../core/bridge/withdrawals.ts';
import { signDigest } from '../../core/proving/signatures.ts';
import { bridgeAbi, rollupAbi, verifierAbi } from '../../core/settlement/l1Abi.ts';
import { type L1Deployment, l1Artifacts } from '../../scripts/lib/l1.ts';
import { JsonRpcCallError, rpc } from '../../scripts/lib/rpc.ts';
import { devAccount, devKey } from '../support/accounts.ts';
import {
  deployTwoOfThree,
  expectRevert,
  genesisCommitment,
  type L1,
  L2_CHAIN_ID,
  nextBatch,
  OPERATOR,
  OWNER,
  rangeDigestOf,
  send,
  signedTransfers,
  startL1,
  ZERO,
} from './helpers.ts';

const DEPOSITOR = 2;
const STRANGER = 6; // neither owner, operator nor prover
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

let l1: L1;
let d: L1Deployment;
const genesis = genesisCommitment();

// Three deposits; batch 1 consumes two, batch 2 one, batch 3 none; batches 1 and 2 withdraw.
const ops: PriorityOp[] = [0n, 1n, 2n].map((index) => ({
  index,
  l1Sender: devAccount(DEPOSITOR).address,
  l2Recipient: devAccount(3).address,
  amount: 10n ** 18n,
}));
const rollingAfter = (n: number): Hex => ops.slice(0, n).reduce(nextRollingHash, EMPTY_ROLLING_HASH);
const recipient = (label: string): Address => `0x${keccak256(toBytes(label)).slice(26)}`;
let w1: Withdrawal[];
let w2: Withdrawal[];
let b1: { commitment: BatchCommitment; data: Hex };
let b2: { commitment: BatchCommitment; data: Hex };
let b3: { commitment: BatchCommitment; data: Hex };
let b4: { commitment: BatchCommitment; data: Hex };

beforeAll(async () => {
  l1 = await startL1();
  d = await deployTwoOfThree(l1, genesis);
  for (const op of ops) await send(l1, DEPOSITOR, { address: d.bridge, abi: bridgeAbi, functionName: 'deposit', args: [op.l2Recipient], value: op.amount });
  w1 = [
    { id: 0n, l2Sender: devAccount(3).address, l1Recipient: recipient('w0'), amount: 10n ** 17n },
    { id: 1n, l2Sender: devAccount(3).address, l1Recipient: d.rollup, amount: 10n ** 17n }, // the Rollup takes no ETH
    { id: 2n, l2Sender: devAccount(3).address, l1Recipient: recipient('w2'), amount: 10n ** 17n },
  ];
  w2 = [{ id: 3n, l2Sender: devAccount(3).address, l1Recipient: recipient('w3'), amount: 10n ** 17n }];
  const txs = await signedTransfers(3, 6);
  b1 = nextBatch(genesis, {
    blocks: [{ transactions: txs.slice(0, 3), priorityOps: 2n }],
    priorityOpsRollingHash: rollingAfter(2),
    withdrawalsRoot: merkleRoot(w1.map(withdrawalLeaf)),
  });
  b2 = nextBatch(b1.commitment, {
    blocks: [{ transactions: txs.slice(3, 5), priorityOps: 1n }],
    priorityOpsRollingHash: rollingAfter(3),
    withdrawalsRoot: merkleRoot(w2.map(withdrawalLeaf)),
  });
  b3 = nextBatch(b2.commitment, { blocks: [{ transactions: txs.slice(5) }] });
  b4 = nextBatch(b3.commitment, { blocks: [{ transactions: [] }] });
});

afterAll(async () => {
  await l1?.anvil.stop();
});

const rollup = (functionName: string, args: readonly unknown[]) => ({ address: d.rollup, abi: rollupAbi, functionName, args });
const bridge = (functionName: string, args: readonly unknown[], value?: bigint) => ({ address: d.bridge, abi: bridgeAbi, functionName, args, value });
const verifier = (functionName: string, args: readonly unknown[]) => ({ address: d.verifier, abi: verifierAbi, functionName, args });
const verify = (digest: Hex, proof: Hex) =>
  l1.publicClient.readContract({ address: d.verifier, abi: verifierAbi, functionName: 'verify', args: [digest, proof] });

const digestOf = (batches: BatchCommitment[]) => rangeDigestOf(d.rollup, batches);
/** Signatures of development accounts `signers`, concatenated in the order given (not sorted). */
const rawProof = (digest: Hex, signers: number[]): Hex => `0x${signers.map((i) => signDigest(digest, devKey(i)).slice(2)).join('')}`;
/** Development account indexes sorted by ascending address, the order ThresholdVerifier requires. */
const ascending = (signers: number[]) => [...signers].sort((a, b) => (BigInt(devAccount(a).address) < BigInt(devAccount(b).address) ? -1 : 1));

/** The revert data of deploying `bytecode` with `args`, decoded with `abi`. */
async function deployRevert(abi: typeof rollupAbi | typeof verifierAbi, bytecode: Hex, args: readonly unknown[]): Promise<string> {
  // biome-ignore lint/suspicious/noExplicitAny: constructor args of either contract
  const data = encodeDeployData({ abi, bytecode, args } as any);
  try {
    await rpc(l1.url, 'eth_call', [{ from: devAccount(OWNER).address, data }, 'latest']);
  } catch (e) {
    if (!(e instanceof JsonRpcCallError) || typeof e.data !== 'string') throw e;
    return decodeErrorResult({ abi, data: e.data as Hex }).errorName;
  }
  throw new Error('deployment did not revert');
}

describe('constructors refuse', () => {
  it('a genesis that is not batch 0 or has priority operations; a threshold of 0 or above the provers', async () => {
    const art = l1Artifacts();
    const args = (g: BatchCommitment) => [devAccount(OWNER).address, devAccount(OPERATOR).address, d.verifier, L2_CHAIN_ID, g];
    expect(await deployRevert(rollupAbi, art.rollup.bytecode, args({ ...genesis, batchNumber: 1n }))).toBe('InvalidGenesis');
    expect(await deployRevert(rollupAbi, art.rollup.bytecode, args({ ...genesis, priorityOpsCount: 1n }))).toBe('InvalidGenesis');
    const provers = [7, 8].map((i) => devAccount(i).address);
    expect(await deployRevert(verifierAbi, art.verifier.bytecode, [devAccount(OWNER).address, provers, 0n])).toBe('InvalidThreshold');
    expect(await deployRevert(verifierAbi, art.verifier.bytecode, [devAccount(OWNER).address, provers, 3n])).toBe('InvalidThreshold');
    expect(await deployRevert(verifierAbi, art.verifier.bytecode, [devAccount(OWNER).address, [provers[0], provers[0]], 1n])).toBe('AlreadyProver');
  });
});

describe('deposit refuses', () => {
  it('no value, or the zero recipient', async () => {
    await expectRevert(l1, DEPOSITOR, bridge('deposit', [devAccount(3).address], 0n), 'NothingToDeposit');
    await expectRevert(l1, DEPOSITOR, bridge('deposit', ['0x0000000000000000000000000000000000000000'], 1n), 'ZeroRecipient');
  });
});

describe('commitBatches refuses', () => {
  const commit = (last: BatchCommitment, batches: BatchCommitment[], data: Hex[]) => rollup('commitBatches', [last, batches, data]);

  it('a caller other than the operator', async () => {
    await expectRevert(l1, STRANGER, commit(genesis, [b1.commitment], [b1.data]), 'NotOperator');
    await expectRevert(l1, OWNER, commit(genesis, [b1.commitment], [b1.data]), 'NotOperator');
  });

  it('no batches, or not one data per batch', async () => {
    await expectRevert(l1, OPERATOR, commit(genesis, [], []), 'NoBatches');
    expect(await expectRevert(l1, OPERATOR, commit(genesis, [b1.commitment], []), 'DataCountMismatch')).toEqual([1n, 0n]);
  });

  it('a wrong previous batch (other content, or a number not last committed)', async () => {
    await expectRevert(l1, OPERATOR, commit({ ...genesis, newStateRoot: ZERO }, [b1.commitment], [b1.data]), 'WrongLastCommittedBatch');
    await expectRevert(l1, OPERATOR, commit(b1.commitment, [b2.commitment], [b2.data]), 'WrongLastCommittedBatch');
  });

  it('a batch number that does not follow', async () => {
    expect(await expectRevert(l1, OPERATOR, commit(genesis, [{ ...b1.commitment, batchNumber: 2n }], [b1.data]), 'WrongBatchNumber')).toEqual([1n, 2n]);
  });

  it('a wrong prevStateRoot, also in the second batch of a call', async () => {
    await expectRevert(l1, OPERATOR, commit(genesis, [{ ...b1.commitment, prevStateRoot: ZERO }], [b1.data]), 'WrongPrevStateRoot');
    const args = await expectRevert(
      l1,
      OPERATOR,
      commit(genesis, [b1.commitment, { ...b2.commitment, prevStateRoot: genesis.newStateRoot }], [b1.data, b2.data]),
      'WrongPrevStateRoot',
    );
    expect(args).toEqual([2n]);
  });

  it('blocks that do not continue, or a batch ending before it starts', async () => {
    await expectRevert(l1, OPERATOR, commit(genesis, [{ ...b1.commitment, firstBlock: 2n, lastBlock: 2n }], [b1.data]), 'WrongBlockRange');
    await expectRevert(l1, OPERATOR, commit(genesis, [{ ...b1.commitment, firstBlock: 0n }], [b1.data]), 'WrongBlockRange');
    await expectRevert(l1, OPERATOR, commit(genesis, [{ ...b1.commitment, lastBlock: 0n }], [b1.data]), 'WrongBlockRange');
  });

  it('timestamps going back', async () => {
    await expectRevert(l1, OPERATOR, commit(genesis, [{ ...b1.commitment, firstTimestamp: genesis.lastTimestamp - 1n }], [b1.data]), 'WrongTimestamps');
    await expectRevert(l1, OPERATOR, commit(genesis, [{ ...b1.commitment, lastTimestamp: b1.commitment.firstTimestamp - 1n }], [b1.data]), 'WrongTimestamps');
  });

  it('data whose hash is not txDataHash', async () => {
    await expectRevert(l1, OPERATOR, commit(genesis, [b1.commitment], [`${b1.data}00`]), 'WrongTxDataHash');
    await expectRevert(l1, OPERATOR, commit(genesis, [b1.commitment], [b2.data]), 'WrongTxDataHash');
  });

  it('a wrong priority rolling hash, or more operations than the queue holds', async () => {
    await expectRevert(
      l1,
      OPERATOR,
      commit(genesis, [{ ...b1.commitment, priorityOpsRollingHash: rollingAfter(1) }], [b1.data]),
      'WrongPriorityOpsRollingHash',
    );
    await expectRevert(l1, OPERATOR, commit(genesis, [{ ...b1.commitment, priorityOpsCount: 3n }], [b1.data]), 'WrongPriorityOpsRollingHash');
    await expectRevert(l1, OPERATOR, commit(genesis, [{ ...b1.commitment, priorityOpsCount: 4n }], [b1.data]), 'TooManyPriorityOps');
    // Batch 1 takes all three deposits, so batch 2 cannot take one more.
    const greedy = { ...b1.commitment, priorityOpsCount: 3n, priorityOpsRollingHash: rollingAfter(3) };
    const next = { ...b2.commitment, prevStateRoot: greedy.newStateRoot };
    await expectRevert(l1, OPERATOR, commit(genesis, [greedy, next], [b1.data, b2.data]), 'TooManyPriorityOps');
  });

  it('accepts the valid batches afterwards (1, then 2 and 3 in one call)', async () => {
    await send(l1, OPERATOR, commit(genesis, [b1.commitment], [b1.data]));
    await send(l1, OPERATOR, commit(b1.commitment, [b2.commitment, b3.commitment], [b2.data, b3.data]));
    expect(await l1.publicClient.readContract({ address: d.rollup, abi: rollupAbi, functionName: 'committedBatches' })).toBe(3n);
    await expectRevert(l1, OPERATOR, commit(b2.commitment, [b3.commitment], [b3.data]), 'WrongLastCommittedBatch');
  });
});

describe('ThresholdVerifier.verify refuses (false) and proveBatches reverts InvalidProof', () => {
  const prove = (batches: BatchCommitment[], proof: Hex) => rollup('proveBatches', [batches, proof]);
  let digest: Hex;
  let good: Hex;
  beforeAll(() => {
    digest = digestOf([b1.commitment]);
    good = rawProof(digest, ascending([7, 8]));
  });

  const refused = async (proof: Hex) => {
    expect(await verify(digest, proof)).toBe(false);
    await expectRevert(l1, OPERATOR, prove([b1.commitment], proof), 'InvalidProof');
  };

  it('accepts a sorted 2-of-3 proof (the baseline the refusals alter)', async () => {
    expect(await verify(digest, good)).toBe(true);
    expect(await verify(digest, rawProof(digest, ascending([7, 8, 9])))).toBe(true);
  });

  it('a bad signature: altered r, s greater than n/2 (the malleable twin), v not 27/28', async () => {
    const [first, second] = [good.slice(2, 132), good.slice(132)];
    await refused(`0x${(BigInt(`0x${first.slice(0, 64)}`) ^ 1n).toString(16).padStart(64, '0')}${first.slice(64)}${second}`);
    const s = BigInt(`0x${first.slice(64, 128)}`);
    const v = Number.parseInt(first.slice(128), 16);
    const twin = `${first.slice(0, 64)}${(SECP256K1_N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`;
    await refused(`0x${twin}${second}`);
    await refused(`0x${first.slice(0, 128)}1d${second}`);
    await refused(`0x${'00'.repeat(64)}1b${second}`); // r = s = 0: ecrecover answers 0
  });

  it('too few signatures (1 of threshold 2)', async () => {
    await refused(rawProof(digest, [8]));
  });

  it('signers out of order, or a signer twice', async () => {
    await refused(rawProof(digest, ascending([7, 8]).reverse()));
    await refused(rawProof(digest, [8, 8]));
    await refused(rawProof(digest, [9, 9, 9]));
  });

  it('a signer that is not a registered prover', async () => {
    await refused(rawProof(digest, ascending([STRANGER, 7])));
    await refused(rawProof(digest, ascending([STRANGER, 7, 8]))); // even beside enough provers
  });

  it('a malformed length, no proof, or a proof of another range', async () => {
    await refused(`${good}00`);
    await refused(good.slice(0, -2) as Hex);
    await refused('0x');
    const other = digestOf([b1.commitment, b2.commitment]);
    await expectRevert(l1, OPERATOR, prove([b1.commitment], rawProof(other, ascending([7, 8]))), 'InvalidProof');
  });

  it('a proof for the same rollup address and batches on another L1 (chain id in the digest)', async () => {
    const otherL1 = batchRangeDigest({
      l1ChainId: 1n,
      chainId: L2_CHAIN_ID,
      rollup: d.rollup,
      firstBatch: 1n,
      lastBatch: 1n,
      batchHashes: [batchHash(b1.commitment)],
    });
    await expectRevert(l1, OPERATOR, prove([b1.commitment], rawProof(otherL1, ascending([7, 8]))), 'InvalidProof');
  });

  it('the owner can add and remove provers and change the threshold; nobody else can', async () => {
    const stranger = devAccount(STRANGER).address;
    await expectRevert(l1, STRANGER, verifier('addProver', [stranger]), 'NotOwner');
    await expectRevert(l1, OPERATOR, verifier('setThreshold', [1n]), 'NotOwner');
    await expectRevert(l1, STRANGER, verifier('transferOwnership', [stranger]), 'NotOwner');
    await expectRevert(l1, OWNER, verifier('addProver', [devAccount(7).address]), 'AlreadyProver');
    await expectRevert(l1, OWNER, verifier('removeProver', [stranger]), 'NotProver');
    await expectRevert(l1, OWNER, verifier('setThreshold', [0n]), 'InvalidThreshold');
    await expectRevert(l1, OWNER, verifier('setThreshold', [4n]), 'InvalidThreshold');
    await send(l1, OWNER, verifier('addProver', [stranger]));
    expect(await verify(digest, rawProof(digest, ascending([STRANGER, 7])))).toBe(true);
    await send(l1, OWNER, verifier('setThreshold', [4n]));
    expect(await verify(digest, rawProof(digest, ascending([7, 8, 9])))).toBe(false);
    await expectRevert(l1, OWNER, verifier('removeProver', [stranger]), 'InvalidThreshold');
    await send(l1, OWNER, verifier('setThreshold', [2n]));
    await send(l1, OWNER, verifier('removeProver', [stranger]));
    expect(await verify(digest, rawProof(digest, ascending([STRANGER, 7])))).toBe(false);
    expect(await l1.publicClient.readContract({ address: d.verifier, abi: verifierAbi, functionName: 'proverCount' })).toBe(3n);
    expect(await l1.publicClient.readContract({ address: d.verifier, abi: verifierAbi, functionName: 'threshold' })).toBe(2n);
  });
});

describe('proveBatches refuses', () => {
  const prove = (batches: BatchCommitment[], signers = [7, 8]) => rollup('proveBatches', [batches, rawProof(digestOf(batches), ascending(signers))]);

  it('a caller other than the operator, or no batches', async () => {
    await expectRevert(l1, STRANGER, prove([b1.commitment]), 'NotOperator');
    await expectRevert(l1, OPERATOR, rollup('proveBatches', [[], '0x']), 'NoBatches');
  });

  it('out of order: not starting right after the last proven batch, or not contiguous', async () => {
    expect(await expectRevert(l1, OPERATOR, prove([b2.commitment]), 'WrongBatchNumber')).toEqual([1n, 2n]);
    expect(await expectRevert(l1, OPERATOR, rollup('proveBatches', [[b1.commitment, b3.commitment], '0x']), 'WrongBatchNumber')).toEqual([2n, 3n]);
  });

  it('beyond the committed batches', async () => {
    expect(await expectRevert(l1, OPERATOR, prove([b1.commitment, b2.commitment, b3.commitment, b4.commitment]), 'BatchNotCommitted')).toEqual([4n]);
  });

  it('a batch that is not the one committed', async () => {
    await expectRevert(l1, OPERATOR, prove([{ ...b1.commitment, withdrawalsRoot: ZERO }]), 'BatchHashMismatch');
  });
});

describe('executeBatches refuses', () => {
  const execute = (batches: BatchCommitment[]) => rollup('executeBatches', [batches]);

  it('before the batch is proven', async () => {
    expect(await expectRevert(l1, OPERATOR, execute([b1.commitment]), 'BatchNotProven')).toEqual([1n]);
    const batches = [b1.commitment, b2.commitment];
    await send(l1, OPERATOR, rollup('proveBatches', [batches, rawProof(digestOf(batches), ascending([8, 9]))]));
    expect(await expectRevert(l1, OPERATOR, execute([b1.commitment, b2.commitment, b3.commitment]), 'BatchNotProven')).toEqual([3n]);
  });

  it('proving again what is proven', async () => {
    expect(
      await expectRevert(l1, OPERATOR, rollup('proveBatches', [[b1.commitment], rawProof(digestOf([b1.commitment]), ascending([7, 8]))]), 'WrongBatchNumber'),
    ).toEqual([3n, 1n]);
  });

  it('out of order, a batch not the one committed, or a caller other than the operator', async () => {
    expect(await expectRevert(l1, OPERATOR, execute([b2.commitment]), 'WrongBatchNumber')).toEqual([1n, 2n]);
    await expectRevert(l1, OPERATOR, execute([{ ...b1.commitment, withdrawalsRoot: ZERO }]), 'BatchHashMismatch');
    await expectRevert(l1, STRANGER, execute([b1.commitment]), 'NotOperator');
    await expectRevert(l1, OPERATOR, execute([]), 'NoBatches');
  });

  it('executes batch 1 alone, then refuses it again', async () => {
    await send(l1, OPERATOR, execute([b1.commitment]));
    expect(await expectRevert(l1, OPERATOR, execute([b1.commitment]), 'WrongBatchNumber')).toEqual([2n, 1n]);
  });
});

describe('finalizeWithdrawal refuses', () => {
  const leaves1 = () => w1.map(withdrawalLeaf);
  const finalize = (batch: bigint, w: Withdrawal, index: number, proof: Hex[]) =>
    bridge('finalizeWithdrawal', [batch, w.id, w.l2Sender, w.l1Recipient, w.amount, BigInt(index), proof]);

  it('a withdrawal in a batch not executed yet', async () => {
    const leaves2 = w2.map(withdrawalLeaf);
    expect(await expectRevert(l1, STRANGER, finalize(2n, w2[0], 0, merkleProof(leaves2, 0)), 'BatchNotExecuted')).toEqual([2n]);
    expect(await expectRevert(l1, STRANGER, finalize(9n, w2[0], 0, merkleProof(leaves2, 0)), 'BatchNotExecuted')).toEqual([9n]);
  });

  it('a wrong proof: other amount, recipient, index, sibling, batch, or an index beyond the tree', async () => {
    const [w] = w1;
    const proof = merkleProof(leaves1(), 0);
    await expectRevert(l1, STRANGER, finalize(1n, { ...w, amount: w.amount + 1n }, 0, proof), 'InvalidWithdrawalProof');
    await expectRevert(l1, STRANGER, finalize(1n, { ...w, l1Recipient: devAccount(STRANGER).address }, 0, proof), 'InvalidWithdrawalProof');
    await expectRevert(l1, STRANGER, finalize(1n, w, 1, proof), 'InvalidWithdrawalProof');
    await expectRevert(l1, STRANGER, finalize(1n, w, 0, [ZERO, proof[1]]), 'InvalidWithdrawalProof');
    await expectRevert(l1, STRANGER, finalize(1n, w, 0, proof.slice(1)), 'InvalidWithdrawalProof');
    await expectRevert(l1, STRANGER, finalize(0n, w, 0, proof), 'InvalidWithdrawalProof'); // genesis: no withdrawals
    await expectRevert(l1, STRANGER, finalize(1n, w, 4, proof), 'InvalidWithdrawalProof'); // 4 = 0 + 2**depth
  });

  it('a recipient that refuses the ETH (nothing is marked finalized)', async () => {
    await expectRevert(l1, STRANGER, finalize(1n, w1[1], 1, merkleProof(leaves1(), 1)), 'WithdrawalPaymentFailed');
    expect(await l1.publicClient.readContract({ address: d.bridge, abi: bridgeAbi, functionName: 'isWithdrawalFinalized', args: [1n] })).toBe(false);
  });

  it('a replay', async () => {
    const w = w1[2];
    await send(l1, STRANGER, finalize(1n, w, 2, merkleProof(leaves1(), 2)));
    expect(await l1.publicClient.getBalance({ address: w.l1Recipient })).toBe(w.amount);
    expect(await expectRevert(l1, STRANGER, finalize(1n, w, 2, merkleProof(leaves1(), 2)), 'WithdrawalAlreadyFinalized')).toEqual([2n]);
    expect(await expectRevert(l1, 3, finalize(1n, w, 2, merkleProof(leaves1(), 2)), 'WithdrawalAlreadyFinalized')).toEqual([2n]);
  });
});

describe('Rollup administration refuses', () => {
  it('anyone but the owner, a second bridge, a zero address', async () => {
    const stranger = devAccount(STRANGER).address;
    await expectRevert(l1, STRANGER, rollup('setOperator', [stranger]), 'NotOwner');
    await expectRevert(l1, OPERATOR, rollup('setVerifier', [stranger]), 'NotOwner');
    await expectRevert(l1, STRANGER, rollup('transferOwnership', [stranger]), 'NotOwner');
    await expectRevert(l1, STRANGER, rollup('setBridge', [stranger]), 'NotOwner');
    await expectRevert(l1, OWNER, rollup('setBridge', [stranger]), 'BridgeAlreadySet');
    await expectRevert(l1, OWNER, rollup('setOperator', ['0x0000000000000000000000000000000000000000']), 'ZeroAddress');
    expect(
      await l1.publicClient.readContract({
        address: d.rollup,
        abi: rollupAbi,
        functionName: 'rangeDigest',
        args: [31337n, 1n, d.rollup, 1n, 2n, [ZERO, ZERO]],
      }),
    ).toMatch(/^0x/);
    await expectRevert(l1, OWNER, rollup('rangeDigest', [31337n, 1n, d.rollup, 2n, 1n, []]), 'RangeLengthMismatch');
    await expectRevert(l1, OWNER, rollup('rangeDigest', [31337n, 1n, d.rollup, 1n, 2n, [ZERO]]), 'RangeLengthMismatch');
  });
});
