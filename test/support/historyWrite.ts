import type { ChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { bytesToHex } from '../../core/chain/hex.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { HISTORY_STORAGE_ADDRESS } from '../../core/chain/standardContracts.ts';
import { historySlot } from '../../core/execution/blockHashHistory.ts';
import { executeBlock } from '../../core/execution/executeBlock.ts';
import type { BlockTrace } from '../../core/proving/trace.ts';
import { applyDiffToTrie } from '../../core/state/stateTrie.ts';
import { TrieStateReader } from '../../core/state/trieState.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { nobleRecover } from '../../core/tx/recover.ts';

/**
 * Re-executes a traced block as the prover does, and returns the post-state root reached when the
 * block's EIP-2935 history write is replaced by `value` (undefined: no write at all): what a
 * sequencer that wrote that hash (or skipped the system call) would claim. Throws if the honest
 * execution did not write the parent hash, so a caller's refusal test cannot pass vacuously.
 */
export async function rootWithHistoryWrite(config: ChainConfig, t: BlockTrace, value: Hex | undefined): Promise<Hex> {
  const nodes = new Map(t.nodes.map((n) => [keccakHex(n).slice(2), n]));
  const codes = new Map(t.codes.map((c) => [keccakHex(c), c]));
  const source = { node: (k: string) => nodes.get(k) };
  const pre = new TrieStateReader(t.preStateRoot, source, { code: (h) => codes.get(h) });
  const txs = t.transactions.map((raw) => checkRawTransaction(raw, config.chainId, config.blockGasLimit, nobleRecover, true));
  const hashes = new Map(t.blockHashes);
  const exec = await executeBlock(config, t.env, { priorityOps: t.priorityOps, txs }, pre, (n) => hashes.get(n));
  const slots = exec.diff.storage.get(HISTORY_STORAGE_ADDRESS);
  const slot = bytesToHex(historySlot(t.env.number - 1n));
  const written = slots?.get(slot);
  if (written === undefined || BigInt(written) !== BigInt(t.env.parentHash)) throw new Error(`block ${t.env.number} did not store its parent hash`);
  if (value === undefined) exec.diff.storage.delete(HISTORY_STORAGE_ADDRESS);
  else slots?.set(slot, value);
  return (await applyDiffToTrie(source, t.preStateRoot, exec.diff, (a) => pre.account(a))).stateRoot;
}
