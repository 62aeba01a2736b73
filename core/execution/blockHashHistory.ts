import { Address, bigIntToBytes, setLengthLeft } from '@ethereumjs/util';
import { hexToBytes } from '../chain/hex.ts';
import { HISTORY_STORAGE_ADDRESS } from '../chain/standardContracts.ts';
import type { OverlayStateManager } from '../state/overlayState.ts';
import type { BlockEnv } from './executeBlock.ts';

/** Blocks the history contract serves: its storage is a ring buffer of this many slots (EIP-2935's HISTORY_SERVE_WINDOW). */
export const HISTORY_SERVE_WINDOW = 8191n;

const HISTORY = new Address(hexToBytes(HISTORY_STORAGE_ADDRESS));

/** The history contract's slot that holds block `number`'s hash. */
export function historySlot(number: bigint): Uint8Array {
  return setLengthLeft(bigIntToBytes(number % HISTORY_SERVE_WINDOW), 32);
}

/**
 * EIP-2935's system call at the start of block `env.number`: the parent's hash into slot
 * (number - 1) % 8191 of the history contract. The EIP calls the contract from SYSTEM_ADDRESS with
 * 30M gas and no fee, outside the block's gas, and the contract's only effect on that path is this
 * one SSTORE; so, as EthereumJS's runBlock does, the write is made directly (no EVM frame, no
 * SYSTEM_ADDRESS account touched). Where the contract has no code (a chain whose genesis predates
 * it) nothing happens, as the EIP says. Reads only the contract's account: the trace's witness then
 * holds that account's path and, through the state diff, the written slot's.
 */
export async function storeParentHash(state: OverlayStateManager, env: BlockEnv): Promise<void> {
  if (env.number === 0n) return;
  const account = await state.getAccount(HISTORY);
  if (!account?.isContract()) return;
  await state.putStorage(HISTORY, historySlot(env.number - 1n), hexToBytes(env.parentHash));
}
