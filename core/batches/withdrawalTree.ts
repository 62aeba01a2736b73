import { concatBytes } from '@ethereumjs/util';
import { withdrawalLeaf, ZERO_HASH } from '../bridge/withdrawals.ts';
import { bytesToHex, type Hex, hexToBytes, lower } from '../chain/hex.ts';
import { keccak } from '../chain/keccak.ts';
import { multiRow, run, type SqlPort } from '../storage/sql.ts';
import type { BlockWithdrawal } from './batcher.ts';

/**
 * A closed batch's withdrawals tree, stored once so that a proof costs one read per level instead
 * of rebuilding the tree. It is the tree of core/bridge/withdrawals.ts (leaves padded with zero
 * words to a power of two, parent = keccak256(left || right)), but a subtree of padding only is not
 * stored: its hash is the zero hash of its level. Each withdrawal is also kept by the transaction
 * that made it, which is what a claimant asks by.
 */

export interface ProvenWithdrawal extends BlockWithdrawal {
  leaf: Hex;
  index: number;
  proof: Hex[];
}

const zeroHashes: Uint8Array[] = [hexToBytes(ZERO_HASH)];
/** The root of a subtree of padding only, `level` levels above the leaves. */
function zeroHash(level: number): Uint8Array {
  while (zeroHashes.length <= level) {
    const below = zeroHashes[zeroHashes.length - 1];
    zeroHashes.push(keccak(concatBytes(below, below)));
  }
  return zeroHashes[level];
}

const toJson = (w: BlockWithdrawal) =>
  JSON.stringify({ id: w.id.toString(), l2Sender: w.l2Sender, l1Recipient: w.l1Recipient, amount: w.amount.toString(), txHash: w.txHash });

/** Builds and stores batch `batch`'s tree over `withdrawals` (in order); returns its root. Inside the closing transaction. */
export function storeWithdrawalTree(sql: SqlPort, batch: number, withdrawals: BlockWithdrawal[]): Hex {
  let level = withdrawals.map((w) => hexToBytes(withdrawalLeaf(w)));
  const nodes: [number, number, number, Uint8Array][] = level.map((hash, idx) => [batch, 0, idx, hash]);
  let depth = 0;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(keccak(concatBytes(level[i], level[i + 1] ?? zeroHash(depth))));
    depth++;
    for (const [idx, hash] of next.entries()) nodes.push([batch, depth, idx, hash]);
    level = next;
  }
  const root = level.length === 0 ? ZERO_HASH : bytesToHex(level[0]);
  run(sql, multiRow('INSERT INTO withdrawal_nodes (batch, level, idx, hash)', nodes));
  run(
    sql,
    multiRow(
      'INSERT INTO withdrawal_leaves (batch, idx, tx_hash, withdrawal)',
      withdrawals.map((w, idx) => [batch, idx, lower(w.txHash), toJson(w)]),
    ),
  );
  sql.query(`INSERT INTO withdrawal_trees (batch, leaves, depth, root) VALUES (?, ?, ?, ?)`, batch, withdrawals.length, depth, root);
  return root;
}

/** The stored tree's shape and root, if batch `batch`'s tree is stored. */
export function withdrawalTree(sql: SqlPort, batch: number): { leaves: number; depth: number; root: Hex } | undefined {
  return sql.query<{ leaves: number; depth: number; root: Hex }>(`SELECT leaves, depth, root FROM withdrawal_trees WHERE batch = ?`, batch)[0];
}

/**
 * The withdrawals transaction `txHash` made in batch `batch`, each with its leaf, index and proof:
 * one read for the transaction's withdrawals, then one per level of the tree for each of them.
 */
export function proveWithdrawals(sql: SqlPort, batch: number, depth: number, txHash: Hex): ProvenWithdrawal[] {
  const rows = sql.query<{ idx: number; withdrawal: string }>(
    `SELECT idx, withdrawal FROM withdrawal_leaves WHERE tx_hash = ? AND batch = ? ORDER BY idx`,
    lower(txHash),
    batch,
  );
  return rows.map(({ idx, withdrawal }) => {
    const o = JSON.parse(withdrawal) as Record<keyof BlockWithdrawal, string>;
    const w: BlockWithdrawal = {
      id: BigInt(o.id),
      l2Sender: o.l2Sender as Hex,
      l1Recipient: o.l1Recipient as Hex,
      amount: BigInt(o.amount),
      txHash: o.txHash as Hex,
    };
    const proof: Hex[] = [];
    for (let level = 0; level < depth; level++) {
      const sibling = ((idx >> level) ^ 1) as number;
      const hash = sql.query<{ hash: Uint8Array }>(`SELECT hash FROM withdrawal_nodes WHERE batch = ? AND level = ? AND idx = ?`, batch, level, sibling)[0]
        ?.hash;
      proof.push(bytesToHex(hash ?? zeroHash(level)));
    }
    return { ...w, leaf: withdrawalLeaf(w), index: idx, proof };
  });
}
