/**
 * Withdrawal trees stored once per batch (core/batches/withdrawalTree.ts): the stored tree is the
 * tree of core/bridge/withdrawals.ts (same root, same proofs), a proof reads one row per tree level
 * whatever the batch holds, and a batch closed before trees were stored gets its tree on first use.
 */
import { encodeFunctionData, type PrivateKeyAccount, parseAbi, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import type { BlockWithdrawal } from '../../core/batches/batcher.ts';
import { proveWithdrawals, storeWithdrawalTree, withdrawalTree } from '../../core/batches/withdrawalTree.ts';
import { L2_WITHDRAWALS_ADDRESS, merkleProof, merkleRoot, merkleRootFromProof, withdrawalLeaf } from '../../core/bridge/withdrawals.ts';
import { parseChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { ensureSchema } from '../../core/sequencer/schema.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import type { SqlPort, SqlRow, SqlValue } from '../../core/storage/sql.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { devKey } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';

const address = (i: number, salt: string): Hex => keccakHex(new TextEncoder().encode(`${salt} ${i}`)).slice(0, 42) as Hex;
const txHash = (i: number): Hex => keccakHex(new TextEncoder().encode(`tx ${i}`));

/** `n` withdrawals; transaction i made withdrawals 3i, 3i+1 and 3i+2. */
function withdrawals(n: number): BlockWithdrawal[] {
  return Array.from({ length: n }, (_, i) => ({
    id: BigInt(i),
    l2Sender: address(i, 'sender'),
    l1Recipient: address(i, 'recipient'),
    amount: BigInt(i + 1) * 10n ** 15n,
    txHash: txHash(Math.floor(i / 3)),
  }));
}

/** A SqlPort that counts statements and the rows they return. */
function countingSql(): SqlPort & { statements: string[]; rows: number } {
  const inner = nodeSql();
  const port = {
    statements: [] as string[],
    rows: 0,
    query<T extends SqlRow = SqlRow>(sql: string, ...params: SqlValue[]): T[] {
      const out = inner.query<T>(sql, ...params);
      port.statements.push(sql);
      port.rows += out.length;
      return out;
    },
    transaction: <T>(fn: () => T) => inner.transaction(fn),
  };
  return port;
}

describe('withdrawal trees stored per batch', () => {
  it('have the root and the proofs of the reference tree, for every size', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100]) {
      const sql = nodeSql();
      ensureSchema(sql);
      const list = withdrawals(n);
      const leaves = list.map(withdrawalLeaf);
      const root = storeWithdrawalTree(sql, 7, list);
      expect(root, `${n} leaves`).toBe(merkleRoot(leaves));
      const tree = withdrawalTree(sql, 7);
      expect(tree).toEqual({ leaves: n, depth: n <= 1 ? 0 : Math.ceil(Math.log2(n)), root });
      const proven = new Map<number, Hex[]>();
      for (let t = 0; t * 3 < n; t++) {
        for (const w of proveWithdrawals(sql, 7, tree?.depth ?? 0, txHash(t))) {
          const { leaf, index, proof, ...withdrawal } = w;
          expect(withdrawal).toEqual(list[index]);
          expect(leaf).toBe(leaves[index]);
          expect(proof, `${n} leaves, leaf ${index}`).toEqual(merkleProof(leaves, index));
          expect(merkleRootFromProof(leaf, index, proof)).toBe(root);
          proven.set(index, proof);
        }
      }
      expect(proven.size).toBe(n);
      expect(proveWithdrawals(sql, 7, tree?.depth ?? 0, txHash(1000))).toEqual([]);
      // Another batch's tree does not answer for this one.
      expect(proveWithdrawals(sql, 8, tree?.depth ?? 0, txHash(0))).toEqual([]);
    }
  });

  it('cost one read per tree level for a proof, whatever the size of the batch', () => {
    for (const n of [16, 1024, 4096]) {
      const sql = countingSql();
      ensureSchema(sql);
      storeWithdrawalTree(sql, 1, withdrawals(n));
      const tree = withdrawalTree(sql, 1);
      sql.statements.length = 0;
      sql.rows = 0;
      // The transaction of withdrawals 3k..3k+2, somewhere in the middle.
      const proofs = proveWithdrawals(sql, 1, tree?.depth ?? 0, txHash(Math.floor(n / 6)));
      expect(proofs).toHaveLength(3);
      const depth = Math.log2(n);
      expect(sql.statements).toHaveLength(1 + 3 * depth);
      expect(sql.rows).toBeLessThanOrEqual(3 + 3 * depth);
    }
  });

  it('answer rollup_getWithdrawalProof from the stored tree, and build it once for batches closed before trees were stored', async () => {
    const sql = countingSql();
    const seq = new SequencerCore(sql, parseChainConfig({ DEV_CHAIN: '1', BATCH_MAX_BLOCKS: '1' }));
    await seq.init();
    const abi = parseAbi(['function withdraw(address l1Recipient) payable returns (uint256)']);
    const accounts: PrivateKeyAccount[] = Array.from({ length: 4 }, (_, i) => privateKeyToAccount(devKey(i)));
    const txs = [];
    for (let i = 0; i < 24; i++) {
      const raw = await accounts[i % 4].signTransaction({
        chainId: 31337,
        type: 'eip1559',
        to: L2_WITHDRAWALS_ADDRESS,
        value: parseEther('0.001') * BigInt(i + 1),
        data: encodeFunctionData({ abi, functionName: 'withdraw', args: [accounts[(i + 1) % 4].address] }),
        nonce: Math.floor(i / 4),
        gas: 100_000n,
        maxFeePerGas: 10n ** 10n,
        maxPriorityFeePerGas: 1n,
      });
      txs.push(checkRawTransaction(raw, 31337n, 30_000_000n));
    }
    seq.submit(txs);
    const sealed = await seq.seal(Date.now());
    expect(sealed?.included).toHaveLength(24);
    const batch = Number(sealed?.closedBatch?.commitment.batchNumber);
    const root = sealed?.closedBatch?.commitment.withdrawalsRoot;
    const reference = seq.batcher.withdrawals(1, 1).map(withdrawalLeaf);
    expect(root).toBe(merkleRoot(reference));

    const target = txs[13].hash;
    sql.statements.length = 0;
    const proof = seq.withdrawalProof(target);
    expect(proof).toMatchObject({ batchNumber: batch, withdrawalsRoot: root, status: 'closed' });
    expect(proof?.withdrawals).toHaveLength(1);
    const [w] = proof?.withdrawals ?? [];
    expect(w.proof).toEqual(merkleProof(reference, w.index));
    // Seeks and one read per level (24 leaves: 5 levels); the batch's blocks are not read.
    expect(sql.statements.length).toBeLessThanOrEqual(5 + 5);
    expect(sql.statements.some((s) => /block_data/.test(s))).toBe(false);

    // As a batch closed before this change: no stored tree. The first proof builds it, from the batch's blocks.
    for (const table of ['withdrawal_trees', 'withdrawal_nodes', 'withdrawal_leaves']) sql.query(`DELETE FROM ${table} WHERE batch = ?`, batch);
    sql.statements.length = 0;
    expect(seq.withdrawalProof(target)).toEqual(proof);
    expect(sql.statements.some((s) => /block_data/.test(s))).toBe(true);
    expect(withdrawalTree(sql, batch)).toEqual({ leaves: 24, depth: 5, root });
    sql.statements.length = 0;
    expect(seq.withdrawalProof(txs[0].hash)?.withdrawals[0].proof).toEqual(merkleProof(reference, 0));
    expect(sql.statements.some((s) => /block_data/.test(s))).toBe(false);
  });
});
