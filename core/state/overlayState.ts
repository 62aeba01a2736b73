import type { AccountFields, StateManagerInterface } from '@ethereumjs/common';
import { Account, type Address, unpadBytes } from '@ethereumjs/util';
import { bytesToHex, type Hex, hexToBytes, toWord } from '../chain/hex.ts';
import { keccak as keccak256 } from '../chain/keccak.ts';
import { type AccountRecord, EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, type StateDiff, type StateReader } from './types.ts';

type Undo =
  | { kind: 'account'; key: Hex; had: boolean; prev: AccountRecord | null | undefined }
  | { kind: 'storage'; key: Hex; slot: Hex; had: boolean; prev: Hex | undefined }
  | { kind: 'clear'; key: Hex; wasCleared: boolean; prevSlots: Map<Hex, Hex> | undefined };

function toAccount(r: AccountRecord): Account {
  return new Account(r.nonce, r.balance, hexToBytes(r.storageRoot), hexToBytes(r.codeHash));
}

function toRecord(a: Account, storageRoot: Hex): AccountRecord {
  return { nonce: a.nonce, balance: a.balance, codeHash: bytesToHex(a.codeHash), storageRoot };
}

/** Storage values are kept minimal: no leading zero bytes, '0x' for zero. */
function normalizeValue(value: Uint8Array): Hex {
  return bytesToHex(unpadBytes(value));
}

/**
 * EthereumJS state manager over committed flat state: every write lands in an in-memory overlay
 * with an undo journal for the EVM's checkpoints, and `diff()` hands the block's changes to the
 * sequencer, which commits them to SQLite and the state trie once per block. Reads fall through
 * to the committed state. Reset for every block (or eth_call); it never writes the reader.
 */
export class OverlayStateManager implements StateManagerInterface {
  private readonly accounts = new Map<Hex, AccountRecord | null>();
  private readonly slots = new Map<Hex, Map<Hex, Hex>>();
  private readonly cleared = new Set<Hex>();
  private readonly codes = new Map<Hex, Uint8Array>();
  private journal: Undo[] = [];
  private checkpoints: number[] = [];
  private readonly original = new Map<string, Uint8Array>();

  private base: StateReader;
  constructor(base: StateReader) {
    this.base = base;
  }

  /** Starts over on top of `base`: no changes, no checkpoints. Lets one EVM serve many blocks. */
  reset(base: StateReader): void {
    this.base = base;
    this.accounts.clear();
    this.slots.clear();
    this.cleared.clear();
    this.codes.clear();
    this.journal = [];
    this.checkpoints = [];
    this.original.clear();
  }

  readonly originalStorageCache = {
    get: async (address: Address, key: Uint8Array): Promise<Uint8Array> => {
      const id = `${address.toString()}${bytesToHex(key)}`;
      let value = this.original.get(id);
      if (value === undefined) {
        value = await this.getStorage(address, key);
        this.original.set(id, value);
      }
      return value;
    },
    clear: (): void => this.original.clear(),
  };

  private async record(key: Hex): Promise<AccountRecord | undefined> {
    if (this.accounts.has(key)) return this.accounts.get(key) ?? undefined;
    return (await this.base.account(key)) ?? undefined;
  }

  private setRecord(key: Hex, value: AccountRecord | null): void {
    this.journal.push({ kind: 'account', key, had: this.accounts.has(key), prev: this.accounts.get(key) });
    this.accounts.set(key, value);
  }

  async getAccount(address: Address): Promise<Account | undefined> {
    const r = await this.record(address.toString() as Hex);
    return r ? toAccount(r) : undefined;
  }

  async putAccount(address: Address, account?: Account): Promise<void> {
    const key = address.toString() as Hex;
    if (account === undefined) return this.deleteAccount(address);
    const prev = await this.record(key);
    this.setRecord(key, toRecord(account, prev?.storageRoot ?? EMPTY_TRIE_ROOT));
  }

  async deleteAccount(address: Address): Promise<void> {
    const key = address.toString() as Hex;
    await this.clearStorage(address);
    this.setRecord(key, null);
  }

  async modifyAccountFields(address: Address, fields: AccountFields): Promise<void> {
    const account = (await this.getAccount(address)) ?? new Account();
    account.nonce = fields.nonce ?? account.nonce;
    account.balance = fields.balance ?? account.balance;
    account.storageRoot = fields.storageRoot ?? account.storageRoot;
    account.codeHash = fields.codeHash ?? account.codeHash;
    await this.putAccount(address, account);
  }

  async putCode(address: Address, value: Uint8Array): Promise<void> {
    const hash = bytesToHex(keccak256(value));
    this.codes.set(hash, value);
    const account = (await this.getAccount(address)) ?? new Account();
    account.codeHash = hexToBytes(hash);
    await this.putAccount(address, account);
  }

  async getCode(address: Address): Promise<Uint8Array> {
    const r = await this.record(address.toString() as Hex);
    if (!r || r.codeHash === EMPTY_CODE_HASH) return new Uint8Array();
    return this.codes.get(r.codeHash) ?? (await this.base.code(r.codeHash)) ?? new Uint8Array();
  }

  async getCodeSize(address: Address): Promise<number> {
    return (await this.getCode(address)).length;
  }

  async getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    const addr = address.toString() as Hex;
    const slot = bytesToHex(toWord(key));
    const local = this.slots.get(addr)?.get(slot);
    if (local !== undefined) return hexToBytes(local);
    if (this.cleared.has(addr)) return new Uint8Array();
    return hexToBytes(await this.base.storage(addr, slot));
  }

  async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    const addr = address.toString() as Hex;
    const slot = bytesToHex(toWord(key));
    let map = this.slots.get(addr);
    if (!map) {
      map = new Map();
      this.slots.set(addr, map);
    }
    this.journal.push({ kind: 'storage', key: addr, slot, had: map.has(slot), prev: map.get(slot) });
    map.set(slot, normalizeValue(value));
  }

  async clearStorage(address: Address): Promise<void> {
    const addr = address.toString() as Hex;
    this.journal.push({ kind: 'clear', key: addr, wasCleared: this.cleared.has(addr), prevSlots: this.slots.get(addr) });
    this.cleared.add(addr);
    this.slots.delete(addr);
  }

  /** Checkpoints open now: a transaction whose execution throws leaves some of its own open. */
  get depth(): number {
    return this.checkpoints.length;
  }

  async checkpoint(): Promise<void> {
    this.checkpoints.push(this.journal.length);
  }

  async commit(): Promise<void> {
    this.checkpoints.pop();
    if (this.checkpoints.length === 0) this.journal = [];
  }

  async revert(): Promise<void> {
    const mark = this.checkpoints.pop() ?? 0;
    while (this.journal.length > mark) {
      const u = this.journal.pop() as Undo;
      if (u.kind === 'account') {
        if (u.had) this.accounts.set(u.key, u.prev as AccountRecord | null);
        else this.accounts.delete(u.key);
      } else if (u.kind === 'storage') {
        const map = this.slots.get(u.key);
        if (!map) continue;
        if (u.had) map.set(u.slot, u.prev as Hex);
        else map.delete(u.slot);
      } else {
        if (!u.wasCleared) this.cleared.delete(u.key);
        if (u.prevSlots) this.slots.set(u.key, u.prevSlots);
        else this.slots.delete(u.key);
      }
    }
  }

  /** The block's changes. Call only outside any checkpoint. */
  diff(): StateDiff {
    const storage = new Map<Hex, Map<Hex, Hex>>();
    for (const [addr, map] of this.slots) if (map.size > 0) storage.set(addr, new Map(map));
    return { accounts: new Map(this.accounts), storage, storageCleared: new Set(this.cleared), codes: new Map(this.codes) };
  }

  async getStateRoot(): Promise<Uint8Array> {
    throw new Error('OverlayStateManager has no state root: the sequencer computes it from the diff once per block');
  }

  async setStateRoot(): Promise<void> {
    throw new Error('OverlayStateManager cannot switch roots: build a new overlay over the wanted state');
  }

  async hasStateRoot(): Promise<boolean> {
    return false;
  }

  clearCaches(): void {}

  shallowCopy(): StateManagerInterface {
    return new OverlayStateManager(this.base);
  }
}
