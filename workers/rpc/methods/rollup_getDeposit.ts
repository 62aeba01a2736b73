import { type Hex, toQuantity } from '../../../core/chain/hex.ts';
import { InvalidParamsError } from '../../../core/errors.ts';
import type { DepositRecord } from '../../../core/sequencer/sequencer.ts';
import { expectParams, hash32, quantity } from '../params.ts';
import type { Handler } from './types.ts';

/** A 32-byte hash names the L1 transaction; any shorter quantity is a priority-operation index. */
function depositKey(v: unknown): { index: bigint } | { l1TxHash: Hex } {
  if (typeof v === 'string' && v.length === 66) return { l1TxHash: hash32(v, 'L1 transaction hash') };
  if (typeof v !== 'string') throw new InvalidParamsError('invalid deposit: expected an L1 transaction hash or a priority-operation index');
  return { index: quantity(v, 'priority-operation index') };
}

/**
 * Where an L1 deposit stands, found by the L1 transaction that made it (the first deposit of that
 * transaction when it made several) or by its priority-operation index: `credited` in L2 block
 * `blockNumber` by the deposit transaction `transactionHash`; `pending`, handed to the sequencer
 * once final on L1 and waiting for its L2 block (its `transactionHash` is already fixed); or
 * `unknown`: not made, or its L1 block is not final yet (the settlement worker hands over only
 * final deposits). One indexed lookup in the sequencer, one in the D1 index for a pruned block's hash.
 */
export const rollup_getDeposit: Handler = async (params, c) => {
  const [k] = expectParams(params, 1, 1);
  const d = (await c.sequencer.deposit(depositKey(k))) as DepositRecord | null;
  if (!d) return { status: 'unknown' };
  const blockHash = d.block !== null && d.blockHash === null ? ((await c.index.receipt(d.hash))?.blockHash ?? null) : d.blockHash;
  return {
    status: d.block === null ? 'pending' : 'credited',
    index: toQuantity(d.index),
    l1Sender: d.l1Sender,
    l2Recipient: d.l2Recipient,
    amount: toQuantity(d.amount),
    l1TxHash: d.l1TxHash ?? null,
    transactionHash: d.hash,
    blockNumber: d.block === null ? null : toQuantity(d.block),
    blockHash,
  };
};
