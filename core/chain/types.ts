import type { Hex } from './hex.ts';

/** JSON-RPC shapes, formatted once when a block is sealed and stored as they are served. */
export interface RpcLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  blockTimestamp: Hex;
  transactionHash: Hex;
  transactionIndex: Hex;
  logIndex: Hex;
  removed: false;
}

export interface RpcReceipt {
  type: Hex;
  transactionHash: Hex;
  transactionIndex: Hex;
  blockHash: Hex;
  blockNumber: Hex;
  from: Hex;
  to: Hex | null;
  cumulativeGasUsed: Hex;
  gasUsed: Hex;
  contractAddress: Hex | null;
  logs: RpcLog[];
  logsBloom: Hex;
  status: Hex;
  effectiveGasPrice: Hex;
}

export interface RpcTransaction {
  type: Hex;
  hash: Hex;
  nonce: Hex;
  blockHash: Hex | null;
  blockNumber: Hex | null;
  blockTimestamp: Hex | null;
  transactionIndex: Hex | null;
  from: Hex;
  to: Hex | null;
  value: Hex;
  gas: Hex;
  gasPrice: Hex;
  maxFeePerGas?: Hex;
  maxPriorityFeePerGas?: Hex;
  input: Hex;
  chainId?: Hex;
  accessList?: { address: Hex; storageKeys: Hex[] }[];
  authorizationList?: { chainId: Hex; address: Hex; nonce: Hex; yParity: Hex; r: Hex; s: Hex }[];
  v: Hex;
  r: Hex;
  s: Hex;
  yParity?: Hex;
  /** Deposits only (type 0x7d): the priority operation's index and the L1 transaction that made it (null if not recorded). */
  depositIndex?: Hex;
  l1TxHash?: Hex | null;
}

export interface RpcBlockHeader {
  number: Hex;
  hash: Hex;
  parentHash: Hex;
  nonce: Hex;
  sha3Uncles: Hex;
  logsBloom: Hex;
  transactionsRoot: Hex;
  stateRoot: Hex;
  receiptsRoot: Hex;
  miner: Hex;
  difficulty: Hex;
  extraData: Hex;
  size: Hex;
  gasLimit: Hex;
  gasUsed: Hex;
  timestamp: Hex;
  mixHash: Hex;
  baseFeePerGas: Hex;
  withdrawalsRoot: Hex;
  blobGasUsed: Hex;
  excessBlobGas: Hex;
  parentBeaconBlockRoot: Hex;
  requestsHash: Hex;
  uncles: Hex[];
  withdrawals: never[];
}

/** A sealed block as the sequencer stores it and hands it to the outbox. */
export interface SealedBlock {
  header: RpcBlockHeader;
  transactions: RpcTransaction[];
  receipts: RpcReceipt[];
}
