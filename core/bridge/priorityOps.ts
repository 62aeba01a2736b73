import { encodeAbiParameters } from 'viem';
import type { Hex } from '../chain/hex.ts';
import { keccakHex } from '../chain/keccak.ts';

/**
 * An L1 priority operation: today only an ETH deposit made through the L1 bridge's
 * `deposit(l2Recipient)`. `index` counts every priority operation the bridge ever took, from 0.
 */
export interface PriorityOp {
  index: bigint;
  l1Sender: Hex;
  l2Recipient: Hex;
  amount: bigint;
  /**
   * The L1 transaction that made it, as the settlement worker read it from the deposit's log: served
   * by the RPC, never part of what is proven (L1's priority-op hash does not bind it).
   */
  l1TxHash?: Hex;
}

/** The rolling hash before any priority operation. */
export const EMPTY_ROLLING_HASH: Hex = `0x${'00'.repeat(32)}`;

/** keccak256(abi.encode(uint256 index, address l1Sender, address l2Recipient, uint256 amount)), as Bridge.sol computes it. */
export function priorityOpHash(op: PriorityOp): Hex {
  return keccakHex(
    encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'uint256' }],
      [op.index, op.l1Sender, op.l2Recipient, op.amount],
    ),
  );
}

/** keccak256(abi.encode(bytes32 previous, bytes32 priorityOpHash(op))): the queue's rolling hash after `op`. */
export function nextRollingHash(previous: Hex, op: PriorityOp): Hex {
  return keccakHex(encodeAbiParameters([{ type: 'bytes32' }, { type: 'bytes32' }], [previous, priorityOpHash(op)]));
}

/** The rolling hash after applying `ops` (which must continue the queue) to `previous`. */
export function rollingHashOf(previous: Hex, ops: PriorityOp[]): Hex {
  let h = previous;
  for (const op of ops) h = nextRollingHash(h, op);
  return h;
}
