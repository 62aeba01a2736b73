import { RLP } from '@ethereumjs/rlp';
import { bigIntToUnpaddedBytes, bytesToBigInt, concatBytes, setLengthLeft } from '@ethereumjs/util';
import { Bloom, encodeReceipt, type PostByzantiumTxReceipt } from '@ethereumjs/vm';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';
import { keccakHex } from '../chain/keccak.ts';
import type { PriorityOp } from './priorityOps.ts';
import { L2_WITHDRAWALS_ADDRESS } from './withdrawals.ts';

/**
 * EIP-2718 type of the deposit transaction: the L2 form of an L1 priority operation. Below 0x80 as
 * EIP-2718 requires, unused by Ethereum (0-4) and unlike OP Stack's 0x7e, whose fields (sourceHash,
 * mint, gas, data) are not ours: a client that knows 0x7e must not read ours as one (decision 0025).
 */
export const DEPOSIT_TX_TYPE = 0x7d;

/** keccak256("DepositFinalized(uint256,address,address,uint256)"): topic 0 of the log a deposit's receipt holds. */
export const DEPOSIT_EVENT_TOPIC: Hex = keccakHex(new TextEncoder().encode('DepositFinalized(uint256,address,address,uint256)'));

/** A deposit's log comes from the L2 side of the bridge, where withdrawals' logs come from: one address to watch. */
export const DEPOSIT_LOG_ADDRESS: Hex = L2_WITHDRAWALS_ADDRESS;

export type DepositLog = [Uint8Array, Uint8Array[], Uint8Array];

const int = (n: bigint) => bigIntToUnpaddedBytes(n);
const word = (b: Uint8Array) => setLengthLeft(b, 32);

/**
 * DEPOSIT_TX_TYPE || rlp([index, l1Sender, l2Recipient, amount]): only what L1 proves of the
 * operation (its priority-op hash binds the same four fields), so a prover derives it from the op.
 */
export function encodeDepositTx(op: PriorityOp): Uint8Array {
  return concatBytes(new Uint8Array([DEPOSIT_TX_TYPE]), RLP.encode([int(op.index), hexToBytes(op.l1Sender), hexToBytes(op.l2Recipient), int(op.amount)]));
}

export function depositTxHash(op: PriorityOp): Hex {
  return keccakHex(encodeDepositTx(op));
}

export class DepositTxFormatError extends Error {
  override name = 'DepositTxFormatError';
}

/** The operation behind an encoded deposit; refuses any bytes but the canonical encoding. */
export function decodeDepositTx(raw: Uint8Array): PriorityOp {
  if (raw[0] !== DEPOSIT_TX_TYPE) throw new DepositTxFormatError(`not a deposit transaction: type ${raw[0]}`);
  let fields: unknown;
  try {
    fields = RLP.decode(raw.subarray(1));
  } catch (e) {
    throw new DepositTxFormatError(`deposit transaction is not valid RLP: ${(e as Error).message}`);
  }
  if (!Array.isArray(fields) || fields.length !== 4 || !fields.every((f) => f instanceof Uint8Array))
    throw new DepositTxFormatError('a deposit transaction is a list of 4 byte strings');
  const [index, from, to, amount] = fields as Uint8Array[];
  if (from.length !== 20 || to.length !== 20) throw new DepositTxFormatError('a deposit transaction names 20-byte addresses');
  const op: PriorityOp = { index: bytesToBigInt(index), l1Sender: bytesToHex(from), l2Recipient: bytesToHex(to), amount: bytesToBigInt(amount) };
  if (bytesToHex(encodeDepositTx(op)) !== bytesToHex(raw)) throw new DepositTxFormatError('deposit transaction is not in its canonical encoding');
  return op;
}

/** DepositFinalized(index indexed, l1Sender indexed, l2Recipient indexed, amount): what indexers can watch. */
export function depositLog(op: PriorityOp): DepositLog {
  return [
    hexToBytes(DEPOSIT_LOG_ADDRESS),
    [hexToBytes(DEPOSIT_EVENT_TOPIC), word(int(op.index)), word(hexToBytes(op.l1Sender)), word(hexToBytes(op.l2Recipient))],
    word(int(op.amount)),
  ];
}

/** A deposit's receipt: always successful, no gas (nothing executes), its one log. */
export function depositReceipt(op: PriorityOp, cumulativeBlockGasUsed: bigint): PostByzantiumTxReceipt {
  const log = depositLog(op);
  const bloom = new Bloom();
  bloom.add(log[0]);
  for (const t of log[1]) bloom.add(t);
  return { status: 1, cumulativeBlockGasUsed, bitvector: bloom.bitvector, logs: [log] };
}

/** The receipt's EIP-2718 encoding, as the receipts trie holds it. */
export function encodeDepositReceipt(receipt: PostByzantiumTxReceipt): Uint8Array {
  return encodeReceipt(receipt, DEPOSIT_TX_TYPE as never);
}
