/**
 * The encodings L1 checks: priority-operation rolling hashes, withdrawal leaves and their Merkle
 * tree, batch commitments, the range digest and the threshold proof. Pinned by golden vectors in
 * test/fixtures/batch-v1.json, which the L1 contract tests (test/l1) check the Solidity against.
 * Regenerate deliberately with UPDATE_GOLDEN=1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBatchData, encodeBatchData, encodeBlockData } from '../../core/batches/batchData.ts';
import { type BatchCommitment, batchHash, batchRangeDigest, encodeThresholdProof } from '../../core/batches/commitment.ts';
import { L2_WITHDRAWALS_CODE } from '../../core/bridge/l2WithdrawalsCode.ts';
import { EMPTY_ROLLING_HASH, nextRollingHash, type PriorityOp, priorityOpHash } from '../../core/bridge/priorityOps.ts';
import { merkleProof, merkleRoot, merkleRootFromProof, type Withdrawal, withdrawalLeaf, ZERO_HASH } from '../../core/bridge/withdrawals.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { signDigest, signerOf } from '../../core/proving/signatures.ts';
import { compileContract } from '../../scripts/lib/compile.ts';
import { DEV_PROVER_KEY } from '../../workers/prover/key.ts';
import { DEV_OPERATOR_KEY } from '../../workers/settlement/config.ts';
import { devAccount, devKey } from '../support/accounts.ts';

const GOLDEN = new URL('../fixtures/batch-v1.json', import.meta.url);
const json = (v: unknown) => JSON.parse(JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x)));

function vectors() {
  const ops: PriorityOp[] = [0n, 1n, 2n].map((i) => ({
    index: i,
    l1Sender: devAccount(Number(i)).address.toLowerCase() as Hex,
    l2Recipient: devAccount(Number(i) + 3).address.toLowerCase() as Hex,
    amount: 10n ** 18n * (i + 1n),
  }));
  let rolling = EMPTY_ROLLING_HASH;
  const priorityOps = ops.map((op) => {
    rolling = nextRollingHash(rolling, op);
    return { op, opHash: priorityOpHash(op), rollingHash: rolling };
  });
  const ws: Withdrawal[] = [0n, 1n, 2n, 3n, 4n].map((i) => ({
    id: i,
    l2Sender: devAccount(Number(i)).address.toLowerCase() as Hex,
    l1Recipient: devAccount(Number(i) + 1).address.toLowerCase() as Hex,
    amount: 5n * 10n ** 17n + i,
  }));
  const leaves = ws.map(withdrawalLeaf);
  const withdrawals = { withdrawals: ws, leaves, root: merkleRoot(leaves), proofs: leaves.map((_, i) => merkleProof(leaves, i)) };
  const blockData = [
    encodeBlockData({
      number: 1n,
      timestamp: 1_800_000_000n,
      priorityOps: 2n,
      transactions: ['0x02f86b827a69808080809400000000000000000000000000000000000000008080c0' as Hex],
    }),
    encodeBlockData({ number: 2n, timestamp: 1_800_000_001n, priorityOps: 1n, transactions: [] }),
  ];
  const data = encodeBatchData(blockData);
  const genesis: BatchCommitment = {
    batchNumber: 0n,
    firstBlock: 0n,
    lastBlock: 0n,
    firstTimestamp: 1_700_000_000n,
    lastTimestamp: 1_700_000_000n,
    priorityOpsCount: 0n,
    prevStateRoot: ZERO_HASH,
    newStateRoot: keccakHex(new TextEncoder().encode('genesis state root')),
    txDataHash: ZERO_HASH,
    priorityOpsRollingHash: EMPTY_ROLLING_HASH,
    withdrawalsRoot: ZERO_HASH,
  };
  const batch1: BatchCommitment = {
    batchNumber: 1n,
    firstBlock: 1n,
    lastBlock: 2n,
    firstTimestamp: 1_800_000_000n,
    lastTimestamp: 1_800_000_001n,
    priorityOpsCount: 3n,
    prevStateRoot: genesis.newStateRoot,
    newStateRoot: keccakHex(new TextEncoder().encode('state root after batch 1')),
    txDataHash: keccakHex(data),
    priorityOpsRollingHash: priorityOps[2].rollingHash,
    withdrawalsRoot: withdrawals.root,
  };
  const batch2: BatchCommitment = {
    ...batch1,
    batchNumber: 2n,
    firstBlock: 3n,
    lastBlock: 7n,
    firstTimestamp: 1_800_000_002n,
    lastTimestamp: 1_800_000_009n,
    priorityOpsCount: 0n,
    prevStateRoot: batch1.newStateRoot,
    newStateRoot: keccakHex(new TextEncoder().encode('state root after batch 2')),
    txDataHash: keccakHex(new Uint8Array([1])),
    withdrawalsRoot: ZERO_HASH,
  };
  const commitments = [genesis, batch1, batch2].map((c) => ({ commitment: c, hash: batchHash(c) }));
  const range = {
    l1ChainId: 31337n,
    chainId: 31337n,
    rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Hex,
    firstBatch: 1n,
    lastBatch: 2n,
    batchHashes: [commitments[1].hash, commitments[2].hash],
  };
  const digest = batchRangeDigest(range);
  // Provers: development accounts 7, 8 and 9 (9 is the development prover key).
  const provers = [7, 8, 9].map((i) => ({ address: devAccount(i).address.toLowerCase(), signature: signDigest(digest, devKey(i)) }));
  const proof = encodeThresholdProof(
    digest,
    provers.slice(1).map((p) => p.signature),
  );
  return json({
    priorityOps,
    withdrawals,
    batchData: { blocks: blockData.map((b) => keccakHex(b)), data: `0x${Buffer.from(data).toString('hex')}`, txDataHash: keccakHex(data) },
    commitments,
    range: { ...range, digest, provers, thresholdProofOf8And9: proof },
  });
}

describe('L1 encodings (golden vectors shared with the contract tests)', () => {
  const current = vectors();
  it('match test/fixtures/batch-v1.json', () => {
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${JSON.stringify(current, null, 2)}\n`);
    expect(current).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });

  it('Merkle proofs verify for every leaf and fail for a wrong index or leaf', () => {
    for (const n of [1, 2, 3, 5, 8, 9]) {
      const leaves = Array.from({ length: n }, (_, i) => keccakHex(new Uint8Array([i])));
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        expect(merkleRootFromProof(leaves[i], i, merkleProof(leaves, i))).toBe(root);
        if (n > 1) expect(merkleRootFromProof(leaves[i], (i + 1) % n, merkleProof(leaves, i))).not.toBe(root);
      }
      expect(merkleRootFromProof(ZERO_HASH, 0, merkleProof(leaves, 0))).not.toBe(root);
    }
    expect(merkleRoot([])).toBe(ZERO_HASH);
  });

  it('the L2Withdrawals predeploy is the compiled contracts/l2/L2Withdrawals.sol', () => {
    const compiled = compileContract('l2/L2Withdrawals.sol', 'L2Withdrawals').deployedBytecode;
    expect(L2_WITHDRAWALS_CODE).toBe(compiled);
  });

  it('the development operator and prover keys are anvil accounts 8 and 9', () => {
    expect(DEV_OPERATOR_KEY).toBe(devKey(8));
    expect(DEV_PROVER_KEY).toBe(devKey(9));
  });

  it('batch data round-trips through compression', () => {
    const blocks = [{ number: 5n, timestamp: 9n, priorityOps: 0n, transactions: ['0x01', '0x02ab'] as Hex[] }];
    expect(decodeBatchData(encodeBatchData(blocks.map(encodeBlockData)))).toEqual(blocks);
  });

  it('threshold proofs order signatures by signer and refuse a signer twice', () => {
    const digest = current.range.digest as Hex;
    const sigs = current.range.provers.map((p: { signature: Hex }) => p.signature);
    const proof = encodeThresholdProof(digest, [...sigs].reverse());
    const signers = [0, 1, 2].map((i) => signerOf(digest, `0x${proof.slice(2 + i * 130, 2 + (i + 1) * 130)}`));
    expect(signers.map(BigInt)).toEqual([...signers.map(BigInt)].sort((a, b) => (a < b ? -1 : 1)));
    expect(() => encodeThresholdProof(digest, [sigs[0], sigs[0]])).toThrow(/twice/);
  });
});
