/**
 * Aggregation (core/proving/aggregate.ts) over real block proofs: a SequencerCore over node:sqlite
 * seals blocks with traces, each block is re-executed from its trace bytes and signed by the
 * prover code, and the batches the core closed are aggregated as the settler does. Each tamper
 * re-signs a statement with the trusted key, so that the signature is good and only the hash chain
 * is wrong: what a fork block proven by a trusted prover would look like.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchCommitment } from '../../core/batches/commitment.ts';
import type { Withdrawal } from '../../core/bridge/withdrawals.ts';
import { parseChainConfig } from '../../core/chain/config.ts';
import { type Hex, hexToBytes, lower } from '../../core/chain/hex.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { type Aggregation, aggregateBatches, type StoredBlockProof } from '../../core/proving/aggregate.ts';
import { reexecuteBlock } from '../../core/proving/reexecute.ts';
import { type BlockStatement, signStatement, statementFor } from '../../core/proving/statement.ts';
import { decodeTrace, encodeTrace } from '../../core/proving/trace.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { coreChainPort } from '../../core/settlement/chainPort.ts';
import { checkedTx, devAccount, devKey } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';

const config = parseChainConfig({ DEV_CHAIN: '1', BATCH_MAX_BLOCKS: '2' });
const PROVER = devKey(9);
const NOW = 1_800_000_000_000;
const ROLLUP: Hex = '0x5fbdb2315678afecb367f032d93f642f64180aa3';

let seq: SequencerCore;
/** Block proofs of blocks 1..6 (batches 1..3, two blocks each), as the provers stored them. */
const proofs = new Map<number, StoredBlockProof>();
const batches = new Map<number, { commitment: BatchCommitment; data: Uint8Array; withdrawals: (Withdrawal & { block: number })[] }>();

beforeAll(async () => {
  seq = new SequencerCore(nodeSql(), config);
  await seq.init();
  for (let i = 0; i < 6; i++) {
    seq.submit([await checkedTx(config, 0, i, { to: '0x000000000000000000000000000000000000beef', value: 1n, gas: 21_000n })]);
    const sealed = await seq.seal(NOW + i * 1000, { trace: true });
    if (!sealed?.trace) throw new Error('no trace');
    const bytes = encodeTrace(sealed.trace);
    const trace = decodeTrace(bytes);
    const verdict = await reexecuteBlock(trace, config);
    if (!verdict.valid) throw new Error(verdict.reason);
    const { statement, signature } = signStatement(statementFor(trace, verdict.result, bytes), PROVER);
    proofs.set(i + 1, { statement, signature });
  }
  const port = coreChainPort(seq, () => NOW);
  for (const b of await port.batches(0, 4)) {
    const n = Number(b.commitment.batchNumber);
    batches.set(n, { commitment: b.commitment, data: hexToBytes(b.data), withdrawals: (await port.batchWithdrawals(n)) ?? [] });
  }
  expect([...batches.keys()]).toEqual([0, 1, 2, 3]);
});

/** Aggregates batches first..last with `from` as the proofs the settler fetched. */
function aggregate(first: number, last: number, from: Map<number, StoredBlockProof> = proofs): Aggregation {
  const range = Array.from({ length: last - first + 1 }, (_, i) => batches.get(first + i) as NonNullable<ReturnType<typeof batches.get>>);
  return aggregateBatches({
    l1ChainId: 31337n,
    chainId: config.chainId,
    rollup: ROLLUP,
    previous: (batches.get(first - 1) as NonNullable<ReturnType<typeof batches.get>>).commitment,
    batches: range,
    proofs: from,
    trustedProvers: new Set([lower(devAccount(9).address)]),
    keys: [PROVER],
  });
}

/** The proofs with block n's statement changed and signed again by `key`. */
function tampered(n: number, change: Partial<BlockStatement>, key: Hex = PROVER): Map<number, StoredBlockProof> {
  const { statement, signature } = signStatement({ ...(proofs.get(n) as StoredBlockProof).statement, ...change }, key);
  return new Map([...proofs, [n, { statement, signature }]]);
}

const hashOf = (n: number) => (proofs.get(n) as StoredBlockProof).statement.blockHash;
const refused = (reason: string) => ({ ok: false, waiting: false, reason });

describe('aggregation chains block hashes', () => {
  it('accepts the proven chain from the genesis: each statement names the block before as its parent', () => {
    for (let n = 2; n <= 6; n++) expect((proofs.get(n) as StoredBlockProof).statement.parentHash).toBe(hashOf(n - 1));
    expect((proofs.get(1) as StoredBlockProof).statement.parentHash).toBe(seq.block(0n, false)?.hash);
    expect(aggregate(1, 3)).toEqual(expect.objectContaining({ ok: true, firstBatch: 1n, lastBatch: 3n }));
  });

  it('refuses a block whose parent hash is not the previous block of its batch', () => {
    const forged = keccakHex(hashOf(1));
    expect(aggregate(1, 1, tampered(2, { parentHash: forged }))).toEqual(refused(`block 2: parent hash ${forged} is not the hash of block 1 (${hashOf(1)})`));
  });

  it('refuses a block whose parent hash is not the last block of the batch before, within a range', () => {
    const forged = keccakHex(hashOf(2));
    expect(aggregate(1, 2, tampered(3, { parentHash: forged }))).toEqual(refused(`block 3: parent hash ${forged} is not the hash of block 2 (${hashOf(2)})`));
  });

  it("refuses a block that does not follow the block its proof's predecessor names as its hash", () => {
    // Block 2 proven with another hash (a sibling of the real one): block 3 no longer follows it.
    const sibling = keccakHex(hashOf(2));
    expect(aggregate(1, 2, tampered(2, { blockHash: sibling }))).toEqual(refused(`block 3: parent hash ${hashOf(2)} is not the hash of block 2 (${sibling})`));
  });

  it('anchors a range after the first at the proof of the block before it, across ranges', () => {
    // Batches 2..3 start at block 3: the proof of block 2 (the last of batch 1) must be there.
    const without = new Map([...proofs].filter(([n]) => n !== 2));
    expect(aggregate(2, 3, without)).toEqual({ ok: false, waiting: true, missing: [2] });
    expect(aggregate(2, 3)).toEqual(expect.objectContaining({ ok: true, firstBatch: 2n, lastBatch: 3n }));

    const forged = keccakHex(hashOf(2));
    expect(aggregate(2, 3, tampered(3, { parentHash: forged }))).toEqual(refused(`block 3: parent hash ${forged} is not the hash of block 2 (${hashOf(2)})`));
    expect(aggregate(2, 3, tampered(2, { blockHash: forged }))).toEqual(refused(`block 3: parent hash ${hashOf(2)} is not the hash of block 2 (${forged})`));
  });

  it('takes the anchor only from a trusted proof of the block that ends the previous batch', () => {
    expect(aggregate(2, 3, tampered(2, {}, devKey(6)))).toEqual(refused('block 2: not proven by a trusted prover'));
    expect(aggregate(2, 3, tampered(2, { blockNumber: 1n }))).toEqual(refused('block 2: proof of another block'));
    // A proof a prover of statement version 2 stored (no parent hash) cannot anchor the chain.
    const { parentHash: _, ...v2 } = (proofs.get(2) as StoredBlockProof).statement;
    const older = new Map([...proofs, [2, { statement: v2 as BlockStatement, signature: (proofs.get(2) as StoredBlockProof).signature }]]);
    expect(aggregate(2, 3, older)).toEqual(refused('block 2: a proof of an older block statement version (no parent hash)'));
    // A proof of another block 2 (a fork of the chain whose batch 1 L1 holds) does not end batch 1.
    expect(aggregate(2, 3, tampered(2, { postStateRoot: keccakHex(hashOf(2)) }))).toEqual(
      refused("block 2: its proof's state root is not the new state root of batch 1, which it ends"),
    );
  });
});
