import type { InterpreterStep } from '@ethereumjs/evm';
import {
  Address,
  bigIntToUnpaddedBytes,
  type EOACode7702AuthorizationListBytesItem,
  eoaCode7702RecoverAuthority,
  generateAddress,
  setLengthLeft,
} from '@ethereumjs/util';
import { bytesToHex, type Hex, hexToBytes, toQuantity } from '../chain/hex.ts';
import { InvalidParamsError, ServerError } from '../errors.ts';
import type { TxContext } from '../execution/executeBlock.ts';
import { EMPTY_CODE_HASH } from '../state/types.ts';
import type { Tracer, TracerFactory } from './tracer.ts';
import { booleanOptions } from './tracerConfig.ts';

/** An account as geth's prestateTracer prints it (fields in geth's order; zero nonce and no code omitted). */
interface AccountJson {
  balance?: Hex;
  code?: Hex;
  codeHash?: Hex;
  nonce?: number;
  storage?: Record<Hex, Hex>;
}

/** An account as first seen. */
interface Seen {
  balance: bigint;
  nonce: bigint;
  code: Uint8Array;
  codeHash: Hex;
  /** geth's "empty": no nonce, code or balance when first seen. Left out of the result unless includeEmpty. */
  empty: boolean;
  /** Slot -> 32-byte value at first touch. */
  storage: Map<Hex, Hex>;
}

const SLOAD = 0x54;
const SSTORE = 0x55;
const SELFDESTRUCT = 0xff;
const ACCOUNT_OPS = new Set([0x31, 0x3b, 0x3c, 0x3f, SELFDESTRUCT]); // BALANCE, EXTCODESIZE, EXTCODECOPY, EXTCODEHASH, SELFDESTRUCT
const CALL_OPS = new Set([0xf1, 0xf2, 0xf4, 0xfa]); // CALL, CALLCODE, DELEGATECALL, STATICCALL
const ZERO_WORD: Hex = `0x${'00'.repeat(32)}`;
const DELEGATION_PREFIX = '0xef0100';

const word = (b: Uint8Array): Hex => bytesToHex(setLengthLeft(b, 32));
const stackAddress = (n: bigint) => new Address(setLengthLeft(bigIntToUnpaddedBytes(n & ((1n << 160n) - 1n)), 20));
/** geth's JSON sorts map keys. */
const sorted = <T>(entries: Iterable<[Hex, T]>): Record<Hex, T> => Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Geth's `prestateTracer`: every account (and slot) the transaction touched, as it was before the
 * transaction (tracerConfig `diffMode`, `disableCode`, `disableStorage`, `includeEmpty`). As in
 * geth, an account is read at its first touch: the sender, recipient (or created address) and
 * coinbase before the transaction runs (so before the fee is debited and the nonce bumped), others
 * when an opcode names them; nothing before that first touch can have changed them. `diffMode`
 * gives `pre` and `post` of what changed, read again after the transaction (fee and refund settled).
 */
export const prestateTracer: TracerFactory = (config) => {
  const opts = booleanOptions('prestateTracer', config, ['diffMode', 'disableCode', 'disableStorage', 'includeEmpty'] as const);
  // geth: diff mode's handling of created and deleted accounts needs the empty ones left out.
  if (opts.diffMode && opts.includeEmpty) throw new InvalidParamsError('prestateTracer: cannot use diffMode with includeEmpty');
  const seen = new Map<Hex, Seen>();
  const created = new Set<Hex>();
  const deleted = new Set<Hex>();
  let ctx: TxContext | undefined;
  let failure: unknown;
  let output: unknown;

  const state = () => {
    if (!ctx) throw new Error('prestateTracer used outside a transaction');
    return ctx.vm.stateManager;
  };

  const read = async (address: Address): Promise<{ balance: bigint; nonce: bigint; code: Uint8Array; codeHash: Hex }> => {
    const account = await state().getAccount(address);
    const codeHash = account ? bytesToHex(account.codeHash) : EMPTY_CODE_HASH;
    const code = codeHash !== EMPTY_CODE_HASH ? await state().getCode(address) : new Uint8Array();
    return { balance: account?.balance ?? 0n, nonce: account?.nonce ?? 0n, code, codeHash };
  };

  const lookup = async (address: Address): Promise<Seen> => {
    const key = address.toString() as Hex;
    let s = seen.get(key);
    if (s) return s;
    const a = await read(address);
    s = { ...a, empty: a.nonce === 0n && a.balance === 0n && a.code.length === 0, storage: new Map() };
    seen.set(key, s);
    return s;
  };

  /** An EIP-7702 delegated account's target is touched with it. */
  const lookupDelegation = async (s: Seen) => {
    const code = bytesToHex(s.code);
    if (s.code.length === 23 && code.startsWith(DELEGATION_PREFIX)) await lookup(new Address(hexToBytes(`0x${code.slice(8)}`)));
  };

  const touch = async (ev: InterpreterStep) => {
    const op = ev.opcode.code;
    const s = ev.stack;
    if ((op === SLOAD || op === SSTORE) && s.length >= 1) {
      if (opts.disableStorage) return;
      const account = await lookup(ev.address);
      const slot = word(bigIntToUnpaddedBytes(s[s.length - 1]));
      if (!account.storage.has(slot)) account.storage.set(slot, word(await state().getStorage(ev.address, hexToBytes(slot))));
    } else if (ACCOUNT_OPS.has(op) && s.length >= 1) {
      await lookup(stackAddress(s[s.length - 1]));
      // EIP-6780: SELFDESTRUCT deletes only a contract created in the same transaction.
      const self = ev.address.toString() as Hex;
      if (op === SELFDESTRUCT && created.has(self)) deleted.add(self);
    } else if (CALL_OPS.has(op) && s.length >= 5) {
      await lookupDelegation(await lookup(stackAddress(s[s.length - 2])));
    }
  };

  const fail = (e: unknown) => {
    failure ??= e;
  };

  const onStep = (ev: InterpreterStep, resolve?: (result?: unknown) => void) => {
    touch(ev)
      .catch(fail)
      .finally(() => resolve?.());
  };

  // A created account is read before the value and nonce land on it.
  const onNewContract = (ev: { address: Address }, resolve?: (result?: unknown) => void) => {
    created.add(ev.address.toString() as Hex);
    lookup(ev.address)
      .catch(fail)
      .finally(() => resolve?.());
  };

  const accountJson = (s: Seen): AccountJson => {
    const out: AccountJson = { balance: toQuantity(s.balance) };
    if (!opts.disableCode && s.code.length > 0) out.code = bytesToHex(s.code);
    if (s.codeHash !== EMPTY_CODE_HASH) out.codeHash = s.codeHash;
    if (s.nonce > 0n) out.nonce = Number(s.nonce);
    if (!opts.disableStorage && s.storage.size > 0) out.storage = sorted(s.storage);
    return out;
  };

  /** geth's processDiffState: what changed, before (pre) and after (post); a deleted account stays in pre only. */
  const diff = async () => {
    const pre = new Map<Hex, AccountJson>();
    const post = new Map<Hex, AccountJson>();
    for (const [key, s] of seen) {
      if (deleted.has(key)) {
        if (!s.empty) pre.set(key, accountJson(s));
        continue;
      }
      const address = new Address(hexToBytes(key));
      const now = await read(address);
      const after: AccountJson = {};
      let modified = false;
      if (now.balance !== s.balance) {
        after.balance = toQuantity(now.balance);
        modified = true;
      }
      if (now.nonce !== s.nonce) {
        after.nonce = Number(now.nonce);
        modified = true;
      }
      if (now.codeHash !== s.codeHash) {
        after.codeHash = now.codeHash;
        modified = true;
      }
      if (!opts.disableCode && bytesToHex(now.code) !== bytesToHex(s.code)) {
        after.code = bytesToHex(now.code);
        modified = true;
      }
      const preSlots = new Map<Hex, Hex>();
      const postSlots = new Map<Hex, Hex>();
      for (const [slot, value] of s.storage) {
        const current = word(await state().getStorage(address, hexToBytes(slot)));
        if (current === value) continue;
        modified = true;
        if (value !== ZERO_WORD) preSlots.set(slot, value);
        if (current !== ZERO_WORD) postSlots.set(slot, current);
      }
      if (postSlots.size > 0) after.storage = sorted(postSlots);
      if (!modified) continue;
      post.set(key, sortFields(after));
      if (!s.empty) pre.set(key, accountJson({ ...s, storage: preSlots }));
    }
    return { post: sorted(post), pre: sorted(pre) };
  };

  const prestate = () => sorted([...seen].filter(([, s]) => opts.includeEmpty || !s.empty).map(([key, s]) => [key, accountJson(s)]));

  return {
    async before(c) {
      ctx = c;
      const from = c.tx.getSenderAddress();
      const sender = await lookup(from);
      if (c.tx.to) {
        await lookupDelegation(await lookup(c.tx.to));
      } else {
        const to = new Address(generateAddress(from.bytes, bigIntToUnpaddedBytes(sender.nonce)));
        created.add(to.toString() as Hex);
        await lookup(to);
      }
      await lookup(new Address(hexToBytes(c.env.coinbase)));
      // EIP-7702 authorities, before their authorizations apply.
      if ('authorizationList' in c.tx) {
        for (const authority of authorities(c.tx)) await lookup(authority);
      }
      const events = c.vm.evm.events;
      events?.on('step', onStep);
      events?.on('newContract', onNewContract);
    },
    async after(c, result) {
      const events = c.vm.evm.events;
      events?.off('step', onStep);
      events?.off('newContract', onNewContract);
      if (!result || failure) return;
      output = opts.diffMode ? await diff() : prestate();
    },
    result() {
      if (failure) throw new ServerError(`prestateTracer: ${failure instanceof Error ? failure.message : String(failure)}`);
      if (output === undefined) throw new ServerError('prestateTracer: the transaction did not run');
      return output;
    },
  } satisfies Tracer;
};

/** geth's field order for a post account built in diff order. */
function sortFields(a: AccountJson): AccountJson {
  const out: AccountJson = {};
  if (a.balance !== undefined) out.balance = a.balance;
  if (a.code !== undefined) out.code = a.code;
  if (a.codeHash !== undefined) out.codeHash = a.codeHash;
  if (a.nonce !== undefined) out.nonce = a.nonce;
  if (a.storage !== undefined) out.storage = a.storage;
  return out;
}

/** The signers of an EIP-7702 transaction's authorizations; one that does not recover is skipped, as geth does. */
function authorities(tx: TxContext['tx']): Address[] {
  const out: Address[] = [];
  const list = (tx as unknown as { authorizationList: EOACode7702AuthorizationListBytesItem[] }).authorizationList;
  for (const item of list) {
    try {
      out.push(eoaCode7702RecoverAuthority(item));
    } catch {
      // an invalid signature: geth skips it too
    }
  }
  return out;
}
