import { type Hex, hexToBytes, lower } from '../chain/hex.ts';
import type { RpcBlockHeader } from '../chain/types.ts';
import { ServerError } from '../errors.ts';
import type { BlockEnv } from '../execution/executeBlock.ts';
import type { IndexPayload } from '../sequencer/sequencer.ts';
import { type AccountRecord, EMPTY_TRIE_ROOT, type StateReader } from '../state/types.ts';
import { retryRead } from '../storage/retry.ts';

/** A sealed block the D1 index does not hold yet, as the sequencer hands it out: JSON as stored. */
export interface UnindexedBlock {
  number: number;
  header: string;
  payload: string;
}

/**
 * The sequencer's side of a simulator's view: its head, the highest block up to which the D1 index
 * holds everything (`floor`), and the blocks after both `after` and `floor`, oldest first, at most
 * `limit` of them. One call, answered from the sequencer's outbox: no execution on its thread.
 */
export interface ChainFeed {
  unindexed(after: number, limit: number): Promise<{ head: number; floor: number; blocks: UnindexedBlock[] }>;
}

/** State and headers at a block the D1 index holds (workers/index-db/reader.ts). */
export interface IndexedState {
  account(address: Hex, block: number): Promise<{ nonce: bigint; balance: bigint; codeHash: Hex } | null>;
  storage(address: Hex, slot: Hex, block: number): Promise<Hex>;
  code(codeHash: Hex): Promise<Hex | null>;
  header(block: number): Promise<RpcBlockHeader | null>;
}

/** The index port with transient failures retried (core/storage/retry.ts); the last failure is thrown. */
export function retryingIndex(index: IndexedState): IndexedState {
  const retried =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      retryRead(() => fn(...args));
  return {
    account: retried(index.account.bind(index)),
    storage: retried(index.storage.bind(index)),
    code: retried(index.code.bind(index)),
    header: retried(index.header.bind(index)),
  };
}

/** Blocks asked for per feed call; a view that is further behind asks again. */
export const FEED_PAGE_BLOCKS = 256;
/**
 * A view holds every block the index has not reached in memory. Past this many (the index is
 * down or far behind) calls are refused until it catches up, rather than holding unbounded state.
 */
export const MAX_UNINDEXED_BLOCKS = 4096;
/** Code is immutable by hash: kept across calls, up to this many bytes. */
const CODE_CACHE_BYTES = 32 * 1024 * 1024;
/** Headers of recent blocks stay after the index has them (BLOCKHASH reads the last 256). */
const RECENT_HEADERS = 512;

interface Layer {
  number: number;
  header: RpcBlockHeader;
  accounts: Map<Hex, AccountRecord | null>;
  storage: Map<Hex, Map<Hex, Hex>>;
  cleared: Set<Hex>;
  codes: Map<Hex, Uint8Array>;
}

function parseLayer(b: UnindexedBlock): Layer {
  const p = JSON.parse(b.payload) as IndexPayload;
  const accounts = new Map<Hex, AccountRecord | null>();
  for (const [a, r] of p.accounts) {
    accounts.set(a, r ? { nonce: BigInt(r.nonce), balance: BigInt(r.balance), codeHash: r.codeHash, storageRoot: EMPTY_TRIE_ROOT } : null);
  }
  const storage = new Map<Hex, Map<Hex, Hex>>();
  for (const [a, slot, value] of p.storage) {
    const m = storage.get(a) ?? new Map<Hex, Hex>();
    storage.set(a, m);
    m.set(slot, value);
  }
  return {
    number: b.number,
    header: JSON.parse(b.header) as RpcBlockHeader,
    accounts,
    storage,
    cleared: new Set(p.storageCleared),
    codes: new Map(p.codes.map(([h, c]) => [h, hexToBytes(c)])),
  };
}

export function envOf(h: RpcBlockHeader): BlockEnv {
  return {
    number: BigInt(h.number),
    parentHash: h.parentHash,
    timestamp: BigInt(h.timestamp),
    baseFeePerGas: BigInt(h.baseFeePerGas),
    gasLimit: BigInt(h.gasLimit),
    coinbase: h.miner,
    prevRandao: h.mixHash,
  };
}

/**
 * State at block `n` for a simulator: the block changes the index does not hold yet (newest
 * first), over the D1 state shards at min(n, floor). Reads are memoized for the life of the reader
 * (one call, or one estimation), so a re-run reads nothing twice.
 */
class LayeredReader implements StateReader {
  private readonly accounts = new Map<Hex, Promise<AccountRecord | undefined>>();
  private readonly slots = new Map<string, Promise<Hex>>();
  private readonly layers: Layer[];
  private readonly base: IndexedState;
  private readonly baseBlock: number;
  private readonly view: ChainView;

  constructor(layers: Layer[], base: IndexedState, baseBlock: number, view: ChainView) {
    this.layers = layers;
    this.base = base;
    this.baseBlock = baseBlock;
    this.view = view;
  }

  account(address: Hex): Promise<AccountRecord | undefined> {
    let r = this.accounts.get(address);
    if (!r) {
      r = this.readAccount(address);
      this.accounts.set(address, r);
    }
    return r;
  }

  private async readAccount(address: Hex): Promise<AccountRecord | undefined> {
    for (const layer of this.layers) {
      if (layer.accounts.has(address)) return layer.accounts.get(address) ?? undefined;
    }
    if (this.baseBlock < 0) return undefined;
    const a = await this.base.account(address, this.baseBlock);
    // The index keeps no storage roots; calls need one only for EIP-7610's creation-collision check.
    return a ? { ...a, storageRoot: EMPTY_TRIE_ROOT } : undefined;
  }

  storage(address: Hex, slot: Hex): Promise<Hex> {
    const id = address + slot;
    let v = this.slots.get(id);
    if (!v) {
      v = this.readStorage(address, slot);
      this.slots.set(id, v);
    }
    return v;
  }

  private async readStorage(address: Hex, slot: Hex): Promise<Hex> {
    for (const layer of this.layers) {
      const v = layer.storage.get(address)?.get(slot);
      if (v !== undefined) return v;
      if (layer.cleared.has(address)) return '0x';
    }
    if (this.baseBlock < 0) return '0x';
    return this.base.storage(address, slot, this.baseBlock);
  }

  async code(codeHash: Hex): Promise<Uint8Array | undefined> {
    for (const layer of this.layers) {
      const c = layer.codes.get(codeHash);
      if (c) return c;
    }
    return this.view.code(codeHash);
  }
}

/**
 * What a simulator knows of the chain: the head, the index's floor, and every block in between
 * with its state changes, kept current through the ChainFeed. Sealed blocks never change (the
 * sequencer does not reorg), so a block once received is kept until the index holds it.
 */
export class ChainView {
  private head = -1;
  private floor = -1;
  private readonly layers = new Map<number, Layer>();
  private readonly headers = new Map<number, RpcBlockHeader>();
  private readonly codes = new Map<Hex, Uint8Array>();
  private codeBytes = 0;
  private inflight: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  private readonly feed: ChainFeed;
  private readonly index: IndexedState;

  constructor(feed: ChainFeed, index: IndexedState) {
    this.feed = feed;
    this.index = index;
  }

  get headNumber(): number {
    return this.head;
  }

  /**
   * Brings the view up to the sequencer's head as of a moment after this call began (so a call
   * made after a receipt sees that receipt's block). Concurrent callers share feed calls: one runs,
   * and callers arriving meanwhile share the single one that starts after it.
   */
  sync(): Promise<void> {
    if (!this.inflight) {
      this.inflight = this.fetch().finally(() => {
        this.inflight = undefined;
      });
      return this.inflight;
    }
    this.next ??= this.inflight
      .catch(() => {})
      .then(() => {
        this.next = undefined;
        return this.sync();
      });
    return this.next;
  }

  private async fetch(): Promise<void> {
    for (;;) {
      const r = await this.feed.unindexed(this.head, FEED_PAGE_BLOCKS);
      if (r.head - r.floor > MAX_UNINDEXED_BLOCKS) {
        throw new ServerError(
          `the state index is ${r.head - r.floor} blocks behind the head (calls need it within ${MAX_UNINDEXED_BLOCKS}): retry when it has caught up`,
        );
      }
      for (const b of r.blocks) {
        const layer = parseLayer(b);
        this.layers.set(b.number, layer);
        this.remember(layer.header);
      }
      this.floor = Math.max(this.floor, r.floor);
      for (const n of this.layers.keys()) if (n <= this.floor) this.layers.delete(n);
      const last = r.blocks.length > 0 ? r.blocks[r.blocks.length - 1].number : Math.max(this.head, r.floor);
      this.head = Math.max(this.head, last);
      if (this.head >= r.head) {
        this.head = r.head;
        return;
      }
    }
  }

  /** The block a call at `block` runs on; throws "header not found" past the head. */
  resolve(block: 'latest' | bigint): number {
    if (block === 'latest') return this.head;
    if (block > BigInt(this.head)) throw new ServerError('header not found');
    return Number(block);
  }

  /** Whether the view must sync before a call at `block`: always for latest (read-your-writes). */
  needsSync(block: 'latest' | bigint): boolean {
    return block === 'latest' || block > BigInt(this.head);
  }

  private remember(h: RpcBlockHeader): void {
    const n = Number(BigInt(h.number));
    this.headers.set(n, h);
    // The oldest entry goes first (a Map keeps insertion order): a bounded cache, not a window.
    if (this.headers.size > RECENT_HEADERS) this.headers.delete(this.headers.keys().next().value as number);
  }

  private async headerOrNull(n: number): Promise<RpcBlockHeader | null> {
    const known = this.headers.get(n);
    if (known) return known;
    const h = await this.index.header(n);
    if (h && n > this.head - RECENT_HEADERS) this.remember(h);
    return h;
  }

  async header(n: number): Promise<RpcBlockHeader> {
    const h = await this.headerOrNull(n);
    if (!h) throw new ServerError('header not found');
    return h;
  }

  /** BLOCKHASH answers for a call (the EVM asks only for the 256 blocks before it). */
  blockHash = async (k: bigint): Promise<Hex | undefined> => (await this.headerOrNull(Number(k)))?.hash;

  reader(n: number): StateReader {
    const layers: Layer[] = [];
    for (let k = n; k > this.floor; k--) {
      const layer = this.layers.get(k);
      if (!layer) throw new ServerError(`block ${k} is missing from the simulator's view`);
      layers.push(layer);
    }
    return new LayeredReader(layers, this.index, Math.min(n, this.floor), this);
  }

  async code(codeHash: Hex): Promise<Uint8Array | undefined> {
    const hash = lower(codeHash);
    const cached = this.codes.get(hash);
    if (cached) return cached;
    const hex = await this.index.code(hash);
    if (!hex) return undefined;
    const bytes = hexToBytes(hex);
    if (this.codeBytes + bytes.length > CODE_CACHE_BYTES) {
      this.codes.clear();
      this.codeBytes = 0;
    }
    this.codes.set(hash, bytes);
    this.codeBytes += bytes.length;
    return bytes;
  }
}
