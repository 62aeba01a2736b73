import { toQuantity } from '../../../core/chain/hex.ts';
import { fromErrorObject } from '../../../core/errors.ts';
import { expectParams, hash32 } from '../params.ts';
import type { Handler } from './types.ts';

/**
 * Everything a claim on L1 needs for the withdrawals an L2 transaction made (usually one): for
 * each, its id, sender, recipient and amount, its leaf, its index in the batch's withdrawals tree
 * and the Merkle proof, with the batch number and root, and the batch's L1 status (`executed`
 * means `Bridge.finalizeWithdrawal` can be called). Null for an unknown transaction; an error
 * (-32000) while the transaction's batch is not closed yet. The sequencer keeps every batch's
 * withdrawals tree; a transaction it pruned (core/sequencer/prune.ts) without withdrawals is
 * known to the D1 index.
 */
export const rollup_getWithdrawalProof: Handler = async (params, c) => {
  const [h] = expectParams(params, 1, 1);
  const hash = hash32(h, 'transaction hash');
  const r = await c.sequencer.withdrawalProof(hash);
  if ('error' in r) throw fromErrorObject(r.error);
  if (r.ok === null) return (await c.index.receipt(hash)) ? { batchNumber: null, withdrawalsRoot: null, status: 'none', withdrawals: [] } : null;
  const p = r.ok;
  return {
    batchNumber: p.batchNumber === null ? null : toQuantity(p.batchNumber),
    withdrawalsRoot: p.withdrawalsRoot ?? null,
    status: p.status,
    withdrawals: p.withdrawals.map((w) => ({
      id: toQuantity(w.id),
      l2Sender: w.l2Sender,
      l1Recipient: w.l1Recipient,
      amount: toQuantity(w.amount),
      leaf: w.leaf,
      index: toQuantity(w.index),
      proof: w.proof,
    })),
  };
};
