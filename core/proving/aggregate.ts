import { decodeBatchData, encodeBlockData } from '../batches/batchData.ts';
import { type BatchCommitment, batchHash, batchRangeDigest, encodeThresholdProof } from '../batches/commitment.ts';
import { merkleRoot, type Withdrawal, withdrawalLeaf } from '../bridge/withdrawals.ts';
import type { Hex } from '../chain/hex.ts';
import { keccakHex } from '../chain/keccak.ts';
import { signDigest } from './signatures.ts';
import { type BlockStatement, recoverProver, statementDigest, withdrawalsHash } from './statement.ts';

/** A block proof as the prover stored it. */
export interface StoredBlockProof {
  statement: BlockStatement;
  signature: Hex;
}

export interface AggregationInput {
  /** The L1's chain id and the rollup contract there: a proof is only good for that deployment. */
  l1ChainId: bigint;
  chainId: bigint;
  /** The L1 rollup contract the proof is for. */
  rollup: Hex;
  /** The batch before the range (its commitment anchors the state root and the priority queue). */
  previous: BatchCommitment;
  batches: { commitment: BatchCommitment; data: Uint8Array; withdrawals: (Withdrawal & { block: number })[] }[];
  /**
   * Block proofs by block number, for every block of the range and for the block before it (the
   * last block of `previous`; none for the genesis): its block hash anchors the range's hash chain.
   */
  proofs: Map<number, StoredBlockProof>;
  /** Provers whose block proofs count. */
  trustedProvers: Set<Hex>;
  /** The keys this aggregator signs with (one per prover it speaks for). */
  keys: Hex[];
}

export type Aggregation =
  | { ok: true; digest: Hex; proof: Hex; firstBatch: bigint; lastBatch: bigint }
  | { ok: false; waiting: true; missing: number[] }
  | { ok: false; waiting: false; reason: string };

class Mismatch extends Error {}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Mismatch(what);
}

/**
 * Produces the aggregated proof for a range of batches, in the form ThresholdVerifier.sol checks:
 * signatures over the range digest. It signs only what it has checked: every block of every batch
 * carries a block proof by a trusted prover (so it was re-executed statelessly), the proven blocks
 * chain by block hash (each names the one before as its parent, the first the last block of the
 * previous batch; block 1's prover checked its parent is the chain's genesis) and from the previous
 * batch's state root and priority queue to the batch's, and the batch's
 * data, timestamps, priority operations and withdrawals root are exactly what the block proofs
 * attest. Anything missing means "wait"; anything inconsistent is refused with the reason.
 */
export function aggregateBatches(input: AggregationInput): Aggregation {
  const missing: number[] = [];
  const anchor = input.previous.lastBlock;
  if (anchor > 0n && !input.proofs.has(Number(anchor))) missing.push(Number(anchor));
  for (const b of input.batches) {
    for (let n = Number(b.commitment.firstBlock); n <= Number(b.commitment.lastBlock); n++) if (!input.proofs.has(n)) missing.push(n);
  }
  if (missing.length > 0) return { ok: false, waiting: true, missing };
  try {
    let prev = input.previous;
    const trusted = (proof: StoredBlockProof) => {
      // A proof stored by a prover of an older statement version has no parent hash to chain.
      check(
        typeof proof.statement.parentHash === 'string',
        `block ${proof.statement.blockNumber}: a proof of an older block statement version (no parent hash)`,
      );
      return input.trustedProvers.has(recoverProver({ digest: statementDigest(proof.statement), signature: proof.signature }));
    };
    // The hash of the block before the next one; unknown only before block 1 (the genesis has no proof).
    let parentHash: Hex | undefined;
    if (anchor > 0n) {
      const proof = input.proofs.get(Number(anchor)) as StoredBlockProof;
      const s = proof.statement;
      check(trusted(proof), `block ${anchor}: not proven by a trusted prover`);
      check(s.chainId === input.chainId && s.blockNumber === anchor, `block ${anchor}: proof of another block`);
      check(
        s.postStateRoot === prev.newStateRoot,
        `block ${anchor}: its proof's state root is not the new state root of batch ${prev.batchNumber}, which it ends`,
      );
      parentHash = s.blockHash;
    }
    for (const b of input.batches) {
      const c = b.commitment;
      check(c.batchNumber === prev.batchNumber + 1n, `batch ${c.batchNumber} does not follow batch ${prev.batchNumber}`);
      check(c.firstBlock === prev.lastBlock + 1n && c.lastBlock >= c.firstBlock, `batch ${c.batchNumber} does not continue the block range`);
      check(keccakHex(b.data) === c.txDataHash, `batch ${c.batchNumber}: data hash differs`);
      const blocks = decodeBatchData(b.data);
      check(blocks.length === Number(c.lastBlock - c.firstBlock + 1n), `batch ${c.batchNumber}: data holds ${blocks.length} blocks`);
      let stateRoot = c.prevStateRoot;
      check(stateRoot === prev.newStateRoot, `batch ${c.batchNumber}: previous state root differs`);
      let rolling = prev.priorityOpsRollingHash;
      let ops = 0n;
      for (const [k, data] of blocks.entries()) {
        const number = c.firstBlock + BigInt(k);
        const proof = input.proofs.get(Number(number)) as StoredBlockProof;
        const s = proof.statement;
        check(trusted(proof), `block ${number}: not proven by a trusted prover`);
        check(s.chainId === input.chainId && s.blockNumber === number && data.number === number, `block ${number}: proof or data of another block`);
        check(
          parentHash === undefined || s.parentHash === parentHash,
          `block ${number}: parent hash ${s.parentHash} is not the hash of block ${number - 1n} (${parentHash})`,
        );
        check(s.preStateRoot === stateRoot, `block ${number}: pre-state root does not continue the chain`);
        check(
          s.priorityOpsRollingHashBefore === rolling && s.priorityOpsCount === data.priorityOps,
          `block ${number}: priority operations do not continue the queue`,
        );
        check(s.blockDataHash === keccakHex(encodeBlockData(data)), `block ${number}: batch data differs from the proven block`);
        const mine = b.withdrawals.filter((w) => w.block === Number(number));
        check(
          s.withdrawalsHash === withdrawalsHash(mine),
          `block ${number}: withdrawals differ from the proven block (${mine.length} in the batch hash to ${withdrawalsHash(mine)}, the proof says ${s.withdrawalsHash})`,
        );
        stateRoot = s.postStateRoot;
        parentHash = s.blockHash;
        rolling = s.priorityOpsRollingHashAfter;
        ops += s.priorityOpsCount;
      }
      check(stateRoot === c.newStateRoot, `batch ${c.batchNumber}: new state root differs from the last proven block`);
      check(rolling === c.priorityOpsRollingHash && ops === c.priorityOpsCount, `batch ${c.batchNumber}: priority operations differ`);
      check(blocks[0].timestamp === c.firstTimestamp && blocks[blocks.length - 1].timestamp === c.lastTimestamp, `batch ${c.batchNumber}: timestamps differ`);
      check(merkleRoot(b.withdrawals.map(withdrawalLeaf)) === c.withdrawalsRoot, `batch ${c.batchNumber}: withdrawals root differs`);
      prev = c;
    }
  } catch (e) {
    if (e instanceof Mismatch) return { ok: false, waiting: false, reason: e.message };
    throw e;
  }
  const firstBatch = input.batches[0].commitment.batchNumber;
  const lastBatch = input.batches[input.batches.length - 1].commitment.batchNumber;
  const digest = batchRangeDigest({
    l1ChainId: input.l1ChainId,
    chainId: input.chainId,
    rollup: input.rollup,
    firstBatch,
    lastBatch,
    batchHashes: input.batches.map((b) => batchHash(b.commitment)),
  });
  return {
    ok: true,
    digest,
    proof: encodeThresholdProof(
      digest,
      input.keys.map((k) => signDigest(digest, k)),
    ),
    firstBatch,
    lastBatch,
  };
}
