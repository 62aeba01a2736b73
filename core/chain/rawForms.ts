import { createBlockHeader } from '@ethereumjs/block';
import { RLP } from '@ethereumjs/rlp';
import { createTx, TransactionType, type TypedTransaction } from '@ethereumjs/tx';
import { Address } from '@ethereumjs/util';
import { encodeReceipt } from '@ethereumjs/vm';
import { DEPOSIT_TX_TYPE, encodeDepositTx } from '../bridge/depositTx.ts';
import { ServerError } from '../errors.ts';
import { chainCommon } from './common.ts';
import { bytesToHex, type Hex, hexToBytes } from './hex.ts';
import { keccakHex } from './keccak.ts';
import type { RpcBlockHeader, RpcReceipt, RpcTransaction } from './types.ts';

/**
 * The consensus encodings behind debug_getRaw* and eth_getRawTransactionByHash, rebuilt from the
 * JSON forms the chain stores (it keeps no second, binary copy). Each rebuilt header and
 * transaction is checked against its hash, so a field the JSON lost can never yield other bytes.
 */

function headerOf(h: RpcBlockHeader, chainId: bigint) {
  const header = createBlockHeader(
    {
      parentHash: hexToBytes(h.parentHash),
      uncleHash: hexToBytes(h.sha3Uncles),
      coinbase: new Address(hexToBytes(h.miner)),
      stateRoot: hexToBytes(h.stateRoot),
      transactionsTrie: hexToBytes(h.transactionsRoot),
      receiptTrie: hexToBytes(h.receiptsRoot),
      logsBloom: hexToBytes(h.logsBloom),
      difficulty: BigInt(h.difficulty),
      number: BigInt(h.number),
      gasLimit: BigInt(h.gasLimit),
      gasUsed: BigInt(h.gasUsed),
      timestamp: BigInt(h.timestamp),
      extraData: hexToBytes(h.extraData),
      mixHash: hexToBytes(h.mixHash),
      nonce: hexToBytes(h.nonce),
      baseFeePerGas: BigInt(h.baseFeePerGas),
      withdrawalsRoot: hexToBytes(h.withdrawalsRoot),
      blobGasUsed: BigInt(h.blobGasUsed),
      excessBlobGas: BigInt(h.excessBlobGas),
      parentBeaconBlockRoot: hexToBytes(h.parentBeaconBlockRoot),
      requestsHash: hexToBytes(h.requestsHash),
    },
    { common: chainCommon(chainId), skipConsensusFormatValidation: true },
  );
  if (bytesToHex(header.hash()) !== h.hash) throw new ServerError(`block ${h.number}: its header does not re-encode to its hash`);
  return header;
}

/** The RLP of a block header. */
export function rawHeader(h: RpcBlockHeader, chainId: bigint): Hex {
  return bytesToHex(headerOf(h, chainId).serialize());
}

function transactionOf(t: RpcTransaction, chainId: bigint): TypedTransaction {
  const type = Number(BigInt(t.type));
  const common = chainCommon(t.chainId === undefined ? chainId : BigInt(t.chainId));
  const tx = createTx(
    {
      type,
      nonce: t.nonce,
      gasLimit: t.gas,
      to: t.to ?? undefined,
      value: t.value,
      data: t.input,
      v: t.v,
      r: t.r,
      s: t.s,
      ...(type === TransactionType.Legacy || type === TransactionType.AccessListEIP2930 ? { gasPrice: t.gasPrice } : {}),
      ...(t.maxFeePerGas !== undefined ? { maxFeePerGas: t.maxFeePerGas, maxPriorityFeePerGas: t.maxPriorityFeePerGas } : {}),
      ...(t.accessList !== undefined ? { accessList: t.accessList } : {}),
      ...(t.authorizationList !== undefined ? { authorizationList: t.authorizationList } : {}),
      ...(type !== TransactionType.Legacy ? { chainId: t.chainId } : {}),
    } as never,
    { common },
  );
  return tx;
}

/** What a block body holds for a transaction: a legacy one's RLP list, any other's EIP-2718 bytes; checked against its hash. */
function bodyEntry(t: RpcTransaction, chainId: bigint): Uint8Array | Uint8Array[] {
  if (Number(BigInt(t.type)) === DEPOSIT_TX_TYPE) {
    if (t.depositIndex === undefined || t.to === null) throw new ServerError(`deposit ${t.hash} lacks its index or recipient`);
    const raw = encodeDepositTx({ index: BigInt(t.depositIndex), l1Sender: t.from, l2Recipient: t.to, amount: BigInt(t.value) });
    if (keccakHex(raw) !== t.hash) throw new ServerError(`transaction ${t.hash} does not re-encode to its hash`);
    return raw;
  }
  const tx = transactionOf(t, chainId);
  if (bytesToHex(tx.hash()) !== t.hash) throw new ServerError(`transaction ${t.hash} does not re-encode to its hash`);
  return tx.type === TransactionType.Legacy ? tx.raw() : tx.serialize();
}

/** A transaction's EIP-2718 encoding (a legacy one's RLP), whose keccak is its hash. */
export function rawTransaction(t: RpcTransaction, chainId: bigint): Hex {
  const entry = bodyEntry(t, chainId);
  return bytesToHex(entry instanceof Uint8Array ? entry : RLP.encode(entry));
}

/** A receipt's EIP-2718 encoding, as the receipts trie holds it. */
export function rawReceipt(r: RpcReceipt): Hex {
  const receipt = {
    status: Number(BigInt(r.status)) as 0 | 1,
    cumulativeBlockGasUsed: BigInt(r.cumulativeGasUsed),
    bitvector: hexToBytes(r.logsBloom),
    logs: r.logs.map((l) => [hexToBytes(l.address), l.topics.map((t) => hexToBytes(t)), hexToBytes(l.data)] as [Uint8Array, Uint8Array[], Uint8Array]),
  };
  return bytesToHex(encodeReceipt(receipt, Number(BigInt(r.type)) as TransactionType));
}

/** A block's RLP: header, transactions (typed ones as byte strings), no uncles, no withdrawals. */
export function rawBlock(h: RpcBlockHeader, transactions: RpcTransaction[], chainId: bigint): Hex {
  const txs = transactions.map((t) => bodyEntry(t, chainId));
  return bytesToHex(RLP.encode([headerOf(h, chainId).raw(), txs, [], []]));
}
