import type { Hex, Log } from 'viem';

/**
 * The L1, as the settlement worker reaches it: the few JSON-RPC reads and the one write it needs.
 * Core does no network I/O; workers/settlement/viemL1Client.ts implements this over HTTP, and tests
 * wrap that to inject faults (a sent transaction dropped, a call failing).
 */
export interface L1Client {
  chainId(): Promise<number>;
  blockNumber(): Promise<bigint>;
  /** The block with this number or tag; null when the L1 has none (past the head, or no `finalized` tag). */
  block(at: bigint | 'latest' | 'safe' | 'finalized'): Promise<L1Block | null>;
  logs(filter: { address: Hex; fromBlock: bigint; toBlock: bigint }): Promise<Log[]>;
  /** eth_call at the latest block; a revert throws L1RevertError. */
  call(call: { to: Hex; data: Hex }): Promise<Hex>;
  /** A revert throws L1RevertError (the transaction would fail: never send it); anything else is an error of the L1. */
  estimateGas(tx: { from: Hex; to: Hex; data: Hex }): Promise<bigint>;
  /** EIP-1559 fees for a transaction mined soon. */
  fees(): Promise<{ maxFee: bigint; tip: bigint }>;
  transactionCount(address: Hex, tag: 'latest' | 'pending'): Promise<number>;
  sendRawTransaction(raw: Hex): Promise<Hex>;
  /** The receipt of a mined transaction; null while it is not in a block. */
  receipt(hash: Hex): Promise<L1Receipt | null>;
  /** Whether the node knows the transaction (in its pool or in a block). */
  hasTransaction(hash: Hex): Promise<boolean>;
}

export interface L1Block {
  number: bigint;
  hash: Hex;
}

export interface L1Receipt {
  blockNumber: bigint;
  blockHash: Hex;
  status: 'success' | 'reverted';
  gasUsed: bigint;
}

/** The L1 refuses: the call or transaction would revert (`data`: the revert data, '0x' if none). */
export class L1RevertError extends Error {
  readonly data: Hex;
  constructor(message: string, data: Hex) {
    super(message);
    this.name = 'L1RevertError';
    this.data = data;
  }
}
