import { createBlockHeader } from '@ethereumjs/block';
import { RLP } from '@ethereumjs/rlp';
import { Capability, TransactionType, type TypedTransaction } from '@ethereumjs/tx';
import { Address, bytesToBigInt } from '@ethereumjs/util';
import { DEPOSIT_TX_TYPE } from '../bridge/depositTx.ts';
import type { BlockEnv, BlockExecution, IncludedDeposit, IncludedTx } from '../execution/executeBlock.ts';
import { EMPTY_TRIE_ROOT } from '../state/types.ts';
import { chainCommon } from './common.ts';
import { bytesToHex, type Hex, hexToBytes, toQuantity } from './hex.ts';
import type { RpcBlockHeader, RpcLog, RpcReceipt, RpcTransaction, SealedBlock } from './types.ts';

const q = toQuantity;
const ZERO_32: Hex = `0x${'00'.repeat(32)}`;
const EMPTY_UNCLES: Hex = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';
const SHA256_EMPTY: Hex = '0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface BlockPosition {
  blockHash: Hex;
  blockNumber: bigint;
  blockTimestamp: bigint;
  index: number;
  effectiveGasPrice: bigint;
}

export function formatTransaction(tx: TypedTransaction, hash: Hex, from: Hex, at: BlockPosition | null): RpcTransaction {
  const v = tx.v ?? 0n;
  const out: RpcTransaction = {
    type: q(tx.type),
    hash,
    nonce: q(tx.nonce),
    blockHash: at ? at.blockHash : null,
    blockNumber: at ? q(at.blockNumber) : null,
    blockTimestamp: at ? q(at.blockTimestamp) : null,
    transactionIndex: at ? q(at.index) : null,
    from,
    to: tx.to ? (tx.to.toString() as Hex) : null,
    value: q(tx.value),
    gas: q(tx.gasLimit),
    gasPrice: q(0),
    input: bytesToHex(tx.data),
    v: q(v),
    r: q(tx.r ?? 0n),
    s: q(tx.s ?? 0n),
  };
  if ('maxFeePerGas' in tx) {
    out.maxFeePerGas = q(tx.maxFeePerGas);
    out.maxPriorityFeePerGas = q(tx.maxPriorityFeePerGas);
    out.gasPrice = q(at ? at.effectiveGasPrice : tx.maxFeePerGas);
  } else {
    out.gasPrice = q(tx.gasPrice);
  }
  if (tx.type === TransactionType.Legacy) {
    if (tx.supports(Capability.EIP155ReplayProtection)) out.chainId = q(tx.common.chainId());
  } else {
    out.chainId = q(tx.common.chainId());
    out.yParity = q(v);
    out.accessList = ('accessList' in tx ? tx.accessList : []).map(([address, keys]) => ({
      address: bytesToHex(address),
      storageKeys: keys.map((k) => bytesToHex(k)),
    }));
  }
  if (tx.type === TransactionType.EOACodeEIP7702 && 'authorizationList' in tx) {
    out.authorizationList = tx.authorizationList.map(([chainId, address, nonce, yParity, r, s]) => ({
      chainId: q(bytesToBigInt(chainId)),
      address: bytesToHex(address),
      nonce: q(bytesToBigInt(nonce)),
      yParity: q(bytesToBigInt(yParity)),
      r: q(bytesToBigInt(r)),
      s: q(bytesToBigInt(s)),
    }));
  }
  return out;
}

/** Builds the header (and so the block hash) from the environment, the execution and the new state root. */
export function sealHeader(chainId: bigint, env: BlockEnv, exec: BlockExecution, stateRoot: Hex): RpcBlockHeader {
  const header = createBlockHeader(
    {
      parentHash: hexToBytes(env.parentHash),
      coinbase: new Address(hexToBytes(env.coinbase)),
      stateRoot: hexToBytes(stateRoot),
      transactionsTrie: hexToBytes(exec.transactionsRoot),
      receiptTrie: hexToBytes(exec.receiptsRoot),
      logsBloom: exec.logsBloom,
      difficulty: 0n,
      number: env.number,
      gasLimit: env.gasLimit,
      gasUsed: exec.gasUsed,
      timestamp: env.timestamp,
      mixHash: hexToBytes(env.prevRandao),
      baseFeePerGas: env.baseFeePerGas,
      withdrawalsRoot: hexToBytes(EMPTY_TRIE_ROOT),
      blobGasUsed: 0n,
      excessBlobGas: 0n,
      parentBeaconBlockRoot: hexToBytes(ZERO_32),
      requestsHash: hexToBytes(SHA256_EMPTY),
    },
    { common: chainCommon(chainId) },
  );
  const body = [
    ...exec.deposits.map((d) => hexToBytes(d.raw)),
    ...exec.included.map((i) => (i.tx.type === TransactionType.Legacy ? i.tx.raw() : i.tx.serialize())),
  ];
  const size = RLP.encode([header.raw(), body as Uint8Array[], [], []]).length;
  return {
    number: q(env.number),
    hash: bytesToHex(header.hash()),
    parentHash: env.parentHash,
    nonce: '0x0000000000000000',
    sha3Uncles: EMPTY_UNCLES,
    logsBloom: bytesToHex(exec.logsBloom),
    transactionsRoot: exec.transactionsRoot,
    stateRoot,
    receiptsRoot: exec.receiptsRoot,
    miner: env.coinbase,
    difficulty: '0x0',
    extraData: '0x',
    size: q(size),
    gasLimit: q(env.gasLimit),
    gasUsed: q(exec.gasUsed),
    timestamp: q(env.timestamp),
    mixHash: env.prevRandao,
    baseFeePerGas: q(env.baseFeePerGas),
    withdrawalsRoot: EMPTY_TRIE_ROOT,
    ...emptyPostLondonFields(),
  };
}

/**
 * The header fields of later forks that an L2 block (sealed or simulated) holds empty: no blobs, no
 * beacon root, no execution requests, no uncles, no withdrawals of the consensus layer.
 */
export function emptyPostLondonFields() {
  return {
    blobGasUsed: '0x0',
    excessBlobGas: '0x0',
    parentBeaconBlockRoot: ZERO_32,
    requestsHash: SHA256_EMPTY,
    uncles: [] as Hex[],
    withdrawals: [] as never[],
  } as const;
}

/**
 * A deposit as clients read a transaction: from the L1 sender (not aliased: a deposit runs no code,
 * so no contract can mistake it for a call), to the recipient, its amount as value, no nonce, gas,
 * price, input or signature (zeros, as OP Stack serves its deposits), and where it came from on L1.
 */
export function formatDepositTransaction(d: IncludedDeposit, at: BlockPosition): RpcTransaction {
  return {
    type: q(DEPOSIT_TX_TYPE),
    hash: d.hash,
    nonce: '0x0',
    blockHash: at.blockHash,
    blockNumber: q(at.blockNumber),
    blockTimestamp: q(at.blockTimestamp),
    transactionIndex: q(at.index),
    from: d.op.l1Sender,
    to: d.op.l2Recipient,
    value: q(d.op.amount),
    gas: '0x0',
    gasPrice: '0x0',
    input: '0x',
    v: '0x0',
    r: '0x0',
    s: '0x0',
    depositIndex: q(d.op.index),
    l1TxHash: d.op.l1TxHash ?? null,
  };
}

function formatLogs(
  logs: [Uint8Array, Uint8Array[], Uint8Array][],
  position: Omit<RpcLog, 'address' | 'topics' | 'data' | 'logIndex' | 'removed'>,
  firstLogIndex: number,
): RpcLog[] {
  return logs.map(([address, topics, data], k) => ({
    address: bytesToHex(address),
    topics: topics.map((t) => bytesToHex(t)),
    data: bytesToHex(data),
    ...position,
    logIndex: q(firstLogIndex + k),
    removed: false,
  }));
}

/** Where a transaction's logs are: its block and its place in it. */
function logPosition(header: RpcBlockHeader, transactionHash: Hex, index: number) {
  return { blockHash: header.hash, blockNumber: header.number, blockTimestamp: header.timestamp, transactionHash, transactionIndex: q(index) };
}

/** A deposit's receipt has exactly the standard fields (the spec's receipt schema is closed): its transaction carries the rest. */
function formatDepositReceipt(d: IncludedDeposit, index: number, header: RpcBlockHeader, firstLogIndex: number): RpcReceipt {
  const position = logPosition(header, d.hash, index);
  return {
    type: q(DEPOSIT_TX_TYPE),
    transactionHash: d.hash,
    transactionIndex: q(index),
    blockHash: header.hash,
    blockNumber: header.number,
    from: d.op.l1Sender,
    to: d.op.l2Recipient,
    cumulativeGasUsed: q(d.receipt.cumulativeBlockGasUsed),
    gasUsed: '0x0',
    contractAddress: null,
    logs: formatLogs(d.receipt.logs, position, firstLogIndex),
    logsBloom: bytesToHex(d.receipt.bitvector),
    status: '0x1',
    effectiveGasPrice: '0x0',
  };
}

function formatReceipt(i: IncludedTx, index: number, header: RpcBlockHeader, firstLogIndex: number): RpcReceipt {
  const position = logPosition(header, i.hash, index);
  const logs = formatLogs(i.result.receipt.logs ?? [], position, firstLogIndex);
  return {
    type: q(i.tx.type),
    transactionHash: i.hash,
    transactionIndex: q(index),
    blockHash: header.hash,
    blockNumber: header.number,
    from: i.sender,
    to: i.tx.to ? (i.tx.to.toString() as Hex) : null,
    cumulativeGasUsed: q(i.cumulativeGasUsed),
    gasUsed: q(i.result.totalGasSpent),
    contractAddress: i.result.createdAddress ? (i.result.createdAddress.toString() as Hex) : null,
    logs,
    logsBloom: bytesToHex(i.result.bloom.bitvector),
    status: q((i.result.receipt as { status: number }).status),
    effectiveGasPrice: q(i.effectiveGasPrice),
  };
}

export function formatSealedBlock(header: RpcBlockHeader, exec: BlockExecution): SealedBlock {
  const blockHash = header.hash;
  const blockNumber = BigInt(header.number);
  const blockTimestamp = BigInt(header.timestamp);
  // Deposits come first in the block; the block's transactions follow them.
  const first = exec.deposits.length;
  const transactions = [
    ...exec.deposits.map((d, index) => formatDepositTransaction(d, { blockHash, blockNumber, blockTimestamp, index, effectiveGasPrice: 0n })),
    ...exec.included.map((i, k) =>
      formatTransaction(i.tx, i.hash, i.sender, { blockHash, blockNumber, blockTimestamp, index: first + k, effectiveGasPrice: i.effectiveGasPrice }),
    ),
  ];
  let logIndex = 0;
  const receipts: RpcReceipt[] = [];
  for (const [index, d] of exec.deposits.entries()) {
    receipts.push(formatDepositReceipt(d, index, header, logIndex));
    logIndex += d.receipt.logs.length;
  }
  for (const [k, i] of exec.included.entries()) {
    const r = formatReceipt(i, first + k, header, logIndex);
    logIndex += r.logs.length;
    receipts.push(r);
  }
  return { header, transactions, receipts };
}

export function genesisHeader(chainId: bigint, env: BlockEnv, stateRoot: Hex): RpcBlockHeader {
  const empty: BlockExecution = {
    deposits: [],
    included: [],
    outcomes: [],
    gasUsed: 0n,
    diff: { accounts: new Map(), storage: new Map(), storageCleared: new Set(), codes: new Map() },
    transactionsRoot: EMPTY_TRIE_ROOT,
    receiptsRoot: EMPTY_TRIE_ROOT,
    logsBloom: new Uint8Array(256),
    withdrawals: [],
  };
  return sealHeader(chainId, env, empty, stateRoot);
}
