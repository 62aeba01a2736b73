import type { VM } from '@ethereumjs/vm';
import { type Hex, hexToBytes } from '../chain/hex.ts';
import { keccakHex } from '../chain/keccak.ts';
import { InvalidParamsError, LimitExceededError, ServerError } from '../errors.ts';
import type { BlockEnv } from '../execution/executeBlock.ts';
import { type AccountRecord, EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, type StateDiff, type StateReader } from '../state/types.ts';

/** One account's override, as geth's `override.OverrideAccount` (the 3rd param of eth_call). */
export interface AccountOverride {
  balance?: bigint;
  nonce?: bigint;
  code?: Hex;
  /** Replaces all of the account's storage: slots not named read zero. */
  state?: Record<Hex, Hex>;
  /** Patches the named slots only. */
  stateDiff?: Record<Hex, Hex>;
  /** The precompile at this address runs at the given address instead (EIP-7702-era geth). */
  movePrecompileToAddress?: Hex;
}

/** Overrides by lowercase address. */
export type StateOverrides = Record<Hex, AccountOverride>;

/** Geth's `override.BlockOverrides` (the 4th param of eth_call, and eth_simulateV1's blockOverrides). */
export interface BlockOverrides {
  number?: bigint;
  time?: bigint;
  gasLimit?: bigint;
  feeRecipient?: Hex;
  prevRandao?: Hex;
  baseFeePerGas?: bigint;
  blobBaseFee?: bigint;
  /** Accepted and credited as EIP-4895 withdrawals (amount in gwei). */
  withdrawals?: { index: bigint; validatorIndex: bigint; address: Hex; amount: bigint }[];
}

/** Bounds of one request's overrides (README, Limits). */
export const MAX_OVERRIDE_ACCOUNTS = 1_000;
export const MAX_OVERRIDE_SLOTS = 10_000;
/** Code per overridden account: EIP-7907's 48 KiB would run; twice the 24 KiB deployed limit is plenty. */
export const MAX_OVERRIDE_CODE_BYTES = 48 * 1024;

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;
const DATA = /^0x([0-9a-fA-F]{2})*$/;
const WORD = /^0x[0-9a-fA-F]{1,64}$/;

const fail = (msg: string): never => {
  throw new InvalidParamsError(msg);
};
const obj = (v: unknown, name: string): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`invalid ${name}: expected an object`);
const addr = (v: unknown, name: string): Hex =>
  typeof v === 'string' && ADDRESS.test(v) ? (v.toLowerCase() as Hex) : fail(`invalid ${name}: expected a 20-byte hex string`);
const qty = (v: unknown, name: string): bigint => (typeof v === 'string' && QUANTITY.test(v) ? BigInt(v) : fail(`invalid ${name}: expected a hex quantity`));
const u64 = (v: unknown, name: string): bigint => {
  const n = qty(v, name);
  return n < 2n ** 64n ? n : fail(`invalid ${name}: does not fit in 64 bits`);
};
const word = (v: unknown, name: string): Hex =>
  typeof v === 'string' && WORD.test(v) ? (`0x${v.slice(2).toLowerCase().padStart(64, '0')}` as Hex) : fail(`invalid ${name}: expected up to 32 bytes of hex`);
/** Storage values as the state keeps them: minimal big-endian hex, '0x' for zero. */
const value = (v: unknown, name: string): Hex => {
  const n = BigInt(word(v, name));
  return n === 0n ? '0x' : (`0x${n.toString(16).padStart(2 * Math.ceil(n.toString(16).length / 2), '0')}` as Hex);
};

function slots(v: unknown, name: string, budget: { slots: number }): Record<Hex, Hex> {
  const o = obj(v, name);
  const out: Record<Hex, Hex> = {};
  for (const [k, x] of Object.entries(o)) {
    if (++budget.slots > MAX_OVERRIDE_SLOTS) throw new LimitExceededError(`too many overridden storage slots: at most ${MAX_OVERRIDE_SLOTS}`);
    out[word(k, `${name} key`)] = value(x, `${name} value`);
  }
  return out;
}

/** Parses a state-override object as geth takes it; null or undefined is no override. */
export function parseStateOverrides(json: unknown): StateOverrides {
  if (json === undefined || json === null) return {};
  const o = obj(json, 'state overrides');
  const entries = Object.entries(o);
  if (entries.length > MAX_OVERRIDE_ACCOUNTS) throw new LimitExceededError(`too many overridden accounts: at most ${MAX_OVERRIDE_ACCOUNTS}`);
  const budget = { slots: 0 };
  const out: StateOverrides = {};
  for (const [k, v] of entries) {
    const a = addr(k, 'override address');
    const e = obj(v, `override of ${a}`);
    const ov: AccountOverride = {};
    if (e.balance !== undefined && e.balance !== null) ov.balance = qty(e.balance, 'override balance');
    if (e.nonce !== undefined && e.nonce !== null) ov.nonce = u64(e.nonce, 'override nonce');
    if (e.code !== undefined && e.code !== null) {
      if (typeof e.code !== 'string' || !DATA.test(e.code)) fail('invalid override code: expected 0x-prefixed hex bytes');
      const code = (e.code as string).toLowerCase() as Hex;
      if ((code.length - 2) / 2 > MAX_OVERRIDE_CODE_BYTES)
        throw new LimitExceededError(`override code of ${a} is larger than ${MAX_OVERRIDE_CODE_BYTES} bytes`);
      ov.code = code;
    }
    const hasState = e.state !== undefined && e.state !== null;
    const hasDiff = e.stateDiff !== undefined && e.stateDiff !== null;
    if (hasState && hasDiff) fail(`account ${a} has both 'state' and 'stateDiff'`);
    if (hasState) ov.state = slots(e.state, 'override state', budget);
    if (hasDiff) ov.stateDiff = slots(e.stateDiff, 'override stateDiff', budget);
    if (e.movePrecompileToAddress !== undefined && e.movePrecompileToAddress !== null)
      ov.movePrecompileToAddress = addr(e.movePrecompileToAddress, 'movePrecompileToAddress');
    if (out[a]) fail(`account ${a} is overridden twice`);
    out[a] = ov;
  }
  return out;
}

/** Parses a block-override object; null or undefined is no override. */
export function parseBlockOverrides(json: unknown): BlockOverrides {
  if (json === undefined || json === null) return {};
  const o = obj(json, 'block overrides');
  const has = (k: string) => o[k] !== undefined && o[k] !== null;
  const out: BlockOverrides = {};
  if (has('number')) out.number = qty(o.number, 'block number');
  if (has('time')) out.time = u64(o.time, 'block time');
  if (has('gasLimit')) out.gasLimit = u64(o.gasLimit, 'block gasLimit');
  const coinbase = o.feeRecipient ?? o.coinbase;
  if (coinbase !== undefined && coinbase !== null) out.feeRecipient = addr(coinbase, 'feeRecipient');
  const random = o.prevRandao ?? o.random;
  if (random !== undefined && random !== null) out.prevRandao = word(random, 'prevRandao');
  if (has('baseFeePerGas')) out.baseFeePerGas = qty(o.baseFeePerGas, 'baseFeePerGas');
  if (has('blobBaseFee')) out.blobBaseFee = qty(o.blobBaseFee, 'blobBaseFee');
  if (has('withdrawals')) {
    if (!Array.isArray(o.withdrawals)) fail('invalid withdrawals: expected an array');
    if ((o.withdrawals as unknown[]).length > MAX_OVERRIDE_ACCOUNTS) throw new LimitExceededError(`too many withdrawals: at most ${MAX_OVERRIDE_ACCOUNTS}`);
    out.withdrawals = (o.withdrawals as unknown[]).map((w) => {
      const x = obj(w, 'withdrawal');
      return {
        index: u64(x.index, 'withdrawal index'),
        validatorIndex: u64(x.validatorIndex, 'validatorIndex'),
        address: addr(x.address, 'withdrawal address'),
        amount: u64(x.amount, 'withdrawal amount'),
      };
    });
  }
  return out;
}

/** The environment with a block override applied (fields the env does not model are ignored here). */
export function applyBlockOverrides(env: BlockEnv, ov: BlockOverrides): BlockEnv {
  return {
    ...env,
    number: ov.number ?? env.number,
    timestamp: ov.time ?? env.timestamp,
    gasLimit: ov.gasLimit ?? env.gasLimit,
    coinbase: ov.feeRecipient ?? env.coinbase,
    prevRandao: ov.prevRandao ?? env.prevRandao,
    baseFeePerGas: ov.baseFeePerGas ?? env.baseFeePerGas,
  };
}

/**
 * A writable layer over a StateReader, never written through: state overrides and the changes
 * of earlier simulated calls land here. The reader below stays untouched.
 */
export class StateLayer implements StateReader {
  private readonly accounts = new Map<Hex, AccountRecord | null>();
  private readonly storageMap = new Map<Hex, Map<Hex, Hex>>();
  private readonly cleared = new Set<Hex>();
  private readonly codes = new Map<Hex, Uint8Array>();
  private readonly base: StateReader;

  constructor(base: StateReader) {
    this.base = base;
  }

  async account(address: Hex): Promise<AccountRecord | undefined> {
    if (this.accounts.has(address)) return this.accounts.get(address) ?? undefined;
    return (await this.base.account(address)) ?? undefined;
  }

  async storage(address: Hex, slot: Hex): Promise<Hex> {
    const v = this.storageMap.get(address)?.get(slot);
    if (v !== undefined) return v;
    if (this.cleared.has(address)) return '0x';
    return this.base.storage(address, slot);
  }

  async code(codeHash: Hex): Promise<Uint8Array | undefined> {
    return this.codes.get(codeHash) ?? (await this.base.code(codeHash));
  }

  /** Applies what one executed call changed (OverlayStateManager.diff()). */
  applyDiff(diff: StateDiff): void {
    for (const a of diff.storageCleared) {
      this.cleared.add(a);
      this.storageMap.delete(a);
    }
    for (const [a, r] of diff.accounts) this.accounts.set(a, r);
    for (const [a, m] of diff.storage) {
      const mine = this.storageMap.get(a) ?? new Map<Hex, Hex>();
      this.storageMap.set(a, mine);
      for (const [s, v] of m) mine.set(s, v);
    }
    for (const [h, c] of diff.codes) this.codes.set(h, c);
  }

  /** Applies state overrides as geth does (code, balance, nonce, then state or stateDiff). */
  async applyOverrides(overrides: StateOverrides): Promise<void> {
    for (const [a, ov] of Object.entries(overrides) as [Hex, AccountOverride][]) {
      const prev = await this.account(a);
      const next: AccountRecord = prev ? { ...prev } : { nonce: 0n, balance: 0n, codeHash: EMPTY_CODE_HASH, storageRoot: EMPTY_TRIE_ROOT };
      if (ov.nonce !== undefined) next.nonce = ov.nonce;
      if (ov.balance !== undefined) next.balance = ov.balance;
      if (ov.code !== undefined) {
        const bytes = hexToBytes(ov.code);
        next.codeHash = bytes.length === 0 ? EMPTY_CODE_HASH : keccakHex(bytes);
        this.codes.set(next.codeHash, bytes);
      }
      this.accounts.set(a, next);
      if (ov.state) {
        this.cleared.add(a);
        this.storageMap.set(a, new Map(Object.entries(ov.state) as [Hex, Hex][]));
      }
      if (ov.stateDiff) {
        const mine = this.storageMap.get(a) ?? new Map<Hex, Hex>();
        this.storageMap.set(a, mine);
        for (const [s, v] of Object.entries(ov.stateDiff) as [Hex, Hex][]) mine.set(s, v);
      }
    }
  }
}

/** `reader` with `overrides` applied, in a layer of its own (`reader` is never written). */
export async function applyStateOverrides(reader: StateReader, overrides: StateOverrides): Promise<StateLayer> {
  const layer = new StateLayer(reader);
  await layer.applyOverrides(overrides);
  return layer;
}

/** Precompile moves of a request: the precompile at `from` answers at `to` (geth's movePrecompileToAddress). */
export type PrecompileMoves = Map<Hex, Hex>;

/**
 * The precompile moves of one set of overrides. Geth starts every simulated block from the
 * active precompiles, so moves never carry over; moving what is not a precompile is refused.
 */
export function precompileMoves(overrides: StateOverrides, isPrecompile: (a: Hex) => boolean): PrecompileMoves {
  const moves: PrecompileMoves = new Map();
  for (const [a, ov] of Object.entries(overrides) as [Hex, AccountOverride][]) {
    if (ov.movePrecompileToAddress === undefined) continue;
    if (!isPrecompile(a)) throw new ServerError(`account ${a} is not a precompile`);
    moves.set(a, ov.movePrecompileToAddress);
  }
  return moves;
}

type PrecompileMap = Map<string, unknown>;

/**
 * Precompiles after a move: found at their new addresses, but warm (EIP-2929) at the original
 * ones, as geth warms the fork's precompile addresses whatever was moved. EthereumJS warms the
 * addresses `entries()` yields at the start of a transaction.
 */
class MovedPrecompiles extends Map<string, unknown> {
  private readonly warm: PrecompileMap;
  constructor(moved: PrecompileMap, warm: PrecompileMap) {
    super(moved);
    this.warm = warm;
  }
  override entries(): MapIterator<[string, unknown]> {
    return this.warm.entries();
  }
}

/** Whether `a` holds a precompile in `vm`'s rules. */
export function vmHasPrecompile(vm: VM, a: Hex): boolean {
  return (vm.evm.precompiles as PrecompileMap).has(a.slice(2));
}

/**
 * Runs `fn` with the VM's precompiles moved as `moves` say, then restores them: the executor's
 * VM is kept across calls, so a move never outlives its request.
 */
export async function withPrecompileMoves<T>(vm: VM, moves: PrecompileMoves, fn: () => Promise<T>): Promise<T> {
  if (moves.size === 0) return fn();
  const evm = vm.evm as unknown as { _precompiles: PrecompileMap };
  const original = evm._precompiles;
  const moved: PrecompileMap = new Map(original);
  for (const from of moves.keys()) moved.delete(from.slice(2));
  for (const [from, to] of moves) moved.set(to.slice(2), original.get(from.slice(2)));
  evm._precompiles = new MovedPrecompiles(moved, original);
  try {
    return await fn();
  } finally {
    evm._precompiles = original;
  }
}
