import type { ChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import type { LogFilter } from '../../core/chain/logFilter.ts';
import { fromErrorObject, InvalidParamsError, ServerError } from '../../core/errors.ts';
import type { SubmitResult } from '../../core/sequencer/sequencer.ts';
import type { BlockRef } from '../../core/simulation/simulator.ts';
import { type CheckedTransaction, checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { wasmRecover } from '../crypto/secp256k1.ts';
import { type Env, type PublicSequencer, publicSequencer, type SimulatorStub, simulatorStub } from '../env.ts';
import { IndexReader } from '../index-db/reader.ts';
import { hash32, quantity } from './params.ts';
import type { Client } from './rateLimit.ts';
import { SubmitCoalescer, type SubmitPort } from './submitCoalescer.ts';

/** Executions one HTTP request (a JSON-RPC batch) has in flight at once; the rest of the batch waits its turn. */
export const MAX_EXECUTIONS_PER_REQUEST = 4;

/** One coalescer per isolate and sequencer binding: the transactions of concurrent requests share calls. */
const coalescers = new WeakMap<object, SubmitCoalescer>();
export function submitCoalescer(env: Env): SubmitCoalescer {
  let c = coalescers.get(env.SEQUENCER);
  if (!c) {
    c = new SubmitCoalescer();
    coalescers.set(env.SEQUENCER, c);
  }
  return c;
}

/** What a subscription asks for (eth_subscribe's parameters, checked). */
export type SubscriptionRequest = { kind: 'newHeads' | 'syncing' } | { kind: 'newPendingTransactions'; full: boolean } | { kind: 'logs'; filter: LogFilter };

/** The WebSocket a call arrived on, when it did: what eth_subscribe and eth_unsubscribe act on. */
export interface SocketSession {
  subscribe(request: SubscriptionRequest): Promise<Hex>;
  unsubscribe(id: Hex): Promise<boolean>;
}

/** Who makes the calls (filters are counted and kept per client) and, over a WebSocket, its socket. */
export interface CallerInfo {
  client?: Client;
  socket?: SocketSession;
}

/**
 * Everything a method handler needs, made per HTTP request (or per WebSocket message): its stub and its promises belong to
 * the request. The one thing requests share is the submission coalescer (submitCoalescer.ts),
 * which only ever makes a call from a request whose own transaction is in it.
 */
export class RpcContext {
  readonly index: IndexReader;
  readonly sequencer: PublicSequencer;
  private head: Promise<bigint> | undefined;
  private port: SubmitPort | undefined;
  private executions = 0;
  private readonly executionQueue: (() => void)[] = [];

  readonly env: Env;
  readonly config: ChainConfig;
  private readonly waitUntil: (p: Promise<unknown>) => void;
  readonly client: Client;
  readonly socket: SocketSession | undefined;

  constructor(env: Env, config: ChainConfig, waitUntil: (p: Promise<unknown>) => void, caller: CallerInfo = {}) {
    this.env = env;
    this.config = config;
    this.waitUntil = waitUntil;
    this.client = caller.client ?? { kind: 'address', id: 'unknown' };
    this.socket = caller.socket;
    this.index = new IndexReader(env, config);
    this.sequencer = publicSequencer(env);
  }

  /** The sequencer's head, asked once per HTTP request. */
  headNumber(): Promise<bigint> {
    this.head ??= this.sequencer.headNumber() as Promise<bigint>;
    return this.head;
  }

  /**
   * Runs `fn` with a Simulator Durable Object (one of SIMULATOR_REPLICAS, picked at random so that
   * load spreads), at most MAX_EXECUTIONS_PER_REQUEST at once for this request.
   */
  async simulate<T>(fn: (simulator: SimulatorStub) => Promise<T>): Promise<T> {
    if (this.executions >= MAX_EXECUTIONS_PER_REQUEST) await new Promise<void>((resolve) => this.executionQueue.push(resolve));
    else this.executions++;
    try {
      const replicas = Math.max(1, Number(this.env.SIMULATOR_REPLICAS ?? 4) || 1);
      return await fn(simulatorStub(this.env, Math.floor(Math.random() * replicas)));
    } finally {
      const next = this.executionQueue.shift();
      if (next) next();
      else this.executions--;
    }
  }

  /**
   * The block an execution runs at: latest and pending stay 'latest', resolved by the simulator
   * against the sequencer's head when it runs (read-your-writes without a head lookup here).
   */
  async executionBlock(tag: unknown): Promise<BlockRef> {
    if (tag === undefined || tag === null || tag === 'latest' || tag === 'pending') return 'latest';
    return this.blockNumber(tag);
  }

  /** Decodes and checks a raw transaction here at the edge, recovering the sender with libsecp256k1. */
  async check(raw: unknown): Promise<CheckedTransaction> {
    return checkRawTransaction(raw as string, this.config.chainId, this.config.blockGasLimit, await wasmRecover(), this.config.allowUnprotectedTxs);
  }

  /**
   * Submits a checked transaction; the hash comes back once the sequencer holds it durably. The
   * submissions of concurrent requests (and of one JSON-RPC batch) share Durable Object calls.
   */
  async submit(tx: CheckedTransaction): Promise<Hex> {
    this.port ??= {
      submit: (txs) => this.sequencer.submit(txs) as Promise<SubmitResult[]>,
      knows: async (hash) => (await this.sequencer.transaction(hash)) !== null,
      waitUntil: this.waitUntil,
    };
    const r = await submitCoalescer(this.env).submit(tx, this.port);
    if ('error' in r) throw fromErrorObject(r.error);
    return r.hash;
  }

  /**
   * Resolves a block parameter to a block number. Tags: latest and pending are the head; safe is
   * the last block of the highest batch committed on L1, finalized of the highest executed one
   * (the genesis block until the first batch gets there); EIP-1898 objects by
   * number or hash. Returns numbers beyond the head as they are; callers decide.
   */
  async blockNumber(tag: unknown): Promise<bigint> {
    if (tag === undefined || tag === null || tag === 'latest' || tag === 'pending') return this.headNumber();
    if (tag === 'earliest') return 0n;
    if (tag === 'safe' || tag === 'finalized') return this.sequencer.taggedBlock(tag) as Promise<bigint>;
    if (typeof tag === 'string') return quantity(tag, 'block number');
    if (typeof tag === 'object' && !Array.isArray(tag)) {
      const o = tag as { blockNumber?: unknown; blockHash?: unknown };
      if (o.blockHash !== undefined) {
        const hash = hash32(o.blockHash, 'blockHash');
        const fromIndex = await this.index.blockByHash(hash, false);
        const n = fromIndex ? BigInt(fromIndex.number) : ((await this.sequencer.blockNumberByHash(hash)) as bigint | null);
        if (n === null) throw new ServerError(`header for hash not found`);
        return n;
      }
      // EIP-1898's blockNumber is a quantity, not another block parameter (no recursion on nested objects).
      if (o.blockNumber !== undefined) return quantity(o.blockNumber, 'blockNumber');
    }
    throw new InvalidParamsError('invalid block parameter: expected a tag, a number or an EIP-1898 object');
  }

  /** A block number that must exist: state queries beyond the head answer "header not found". */
  async existingBlock(tag: unknown): Promise<bigint> {
    const n = await this.blockNumber(tag);
    if (n > (await this.headNumber())) throw new ServerError('header not found');
    return n;
  }

  /** Reads from D1, or from the sequencer when the D1 read fails. */
  async indexed<T>(read: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (e) {
      console.warn('D1 read failed, asking the sequencer instead:', String(e));
      return fallback();
    }
  }

  /** Whether historical state at `n` can be read from the D1 shards instead of the sequencer. */
  async servedByIndex(n: bigint): Promise<boolean> {
    if (n >= (await this.headNumber())) return false;
    return n <= BigInt(await this.index.indexedHead());
  }
}
