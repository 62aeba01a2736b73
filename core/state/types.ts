import type { Hex } from '../chain/hex.ts';

export const EMPTY_CODE_HASH: Hex = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470';
export const EMPTY_TRIE_ROOT: Hex = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';

export interface AccountRecord {
  nonce: bigint;
  balance: bigint;
  codeHash: Hex;
  storageRoot: Hex;
}

/**
 * Read access to committed flat state. Storage values are minimal big-endian hex ('0x' for zero),
 * addresses and slots lowercase hex. Implementations may answer synchronously (the sequencer's
 * SQLite) or asynchronously (D1 at a historical block).
 */
export interface StateReader {
  account(address: Hex): AccountRecord | undefined | Promise<AccountRecord | undefined>;
  storage(address: Hex, slot: Hex): Hex | Promise<Hex>;
  code(codeHash: Hex): Uint8Array | undefined | Promise<Uint8Array | undefined>;
}

/** Everything one block changed, as flat key-value changes. */
export interface StateDiff {
  /** null: the account was deleted. storageRoot of a changed account is recomputed by the trie. */
  accounts: Map<Hex, AccountRecord | null>;
  /** Per account: slot -> new value ('0x' deletes the slot). */
  storage: Map<Hex, Map<Hex, Hex>>;
  /** Accounts whose storage was wiped (contract creation over an old address, self-destruct). */
  storageCleared: Set<Hex>;
  /** New code by hash. */
  codes: Map<Hex, Uint8Array>;
}

export function emptyDiff(): StateDiff {
  return { accounts: new Map(), storage: new Map(), storageCleared: new Set(), codes: new Map() };
}
