import { concatBytes } from '@ethereumjs/util';
import { encodeAbiParameters } from 'viem';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';
import { keccak, keccakHex } from '../chain/keccak.ts';

/**
 * An L2 withdrawal: a call to the predeployed L2Withdrawals system contract, which keeps the value
 * out of circulation and emits `WithdrawalInitiated(id, l2Sender, l1Recipient, amount)`. `id`
 * numbers every withdrawal the chain ever took, from 0.
 */
export interface Withdrawal {
  id: bigint;
  l2Sender: Hex;
  l1Recipient: Hex;
  amount: bigint;
}

/** Address of the L2Withdrawals system contract, present from genesis. */
export const L2_WITHDRAWALS_ADDRESS: Hex = '0x0000000000000000000000000000000000008001';

/** keccak256("WithdrawalInitiated(uint256,address,address,uint256)"): topic 0 of its event. */
export const WITHDRAWAL_EVENT_TOPIC: Hex = keccakHex(new TextEncoder().encode('WithdrawalInitiated(uint256,address,address,uint256)'));

export const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`;

/** keccak256(abi.encode(uint256 id, address l2Sender, address l1Recipient, uint256 amount)), as Bridge.sol computes it. */
export function withdrawalLeaf(w: Withdrawal): Hex {
  return keccakHex(
    encodeAbiParameters([{ type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'uint256' }], [w.id, w.l2Sender, w.l1Recipient, w.amount]),
  );
}

/**
 * Binary Merkle tree over leaves in order, padded with zero words to a power of two; a parent is
 * keccak256(left || right). No leaves: the zero word. One leaf: the leaf itself (empty proof).
 */
function levels(leaves: Hex[]): Uint8Array[][] {
  if (leaves.length === 0) return [[hexToBytes(ZERO_HASH)]];
  let size = 1;
  while (size < leaves.length) size *= 2;
  let level = Array.from({ length: size }, (_, i) => (i < leaves.length ? hexToBytes(leaves[i]) : new Uint8Array(32)));
  const out = [level];
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(keccak(concatBytes(level[i], level[i + 1])));
    out.push(next);
    level = next;
  }
  return out;
}

export function merkleRoot(leaves: Hex[]): Hex {
  const all = levels(leaves);
  return bytesToHex(all[all.length - 1][0]);
}

/** The siblings from the leaf up to the root. */
export function merkleProof(leaves: Hex[], index: number): Hex[] {
  if (index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} out of range (${leaves.length} leaves)`);
  const all = levels(leaves);
  const proof: Hex[] = [];
  let i = index;
  for (let d = 0; d < all.length - 1; d++) {
    proof.push(bytesToHex(all[d][i ^ 1]));
    i >>= 1;
  }
  return proof;
}

/** Recomputes the root from a leaf, its index and its proof, as Bridge.sol does. */
export function merkleRootFromProof(leaf: Hex, index: number, proof: Hex[]): Hex {
  let node = hexToBytes(leaf);
  let i = index;
  for (const sibling of proof) {
    node = i & 1 ? keccak(concatBytes(hexToBytes(sibling), node)) : keccak(concatBytes(node, hexToBytes(sibling)));
    i >>= 1;
  }
  return bytesToHex(node);
}
