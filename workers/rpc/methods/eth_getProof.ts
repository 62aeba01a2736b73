import { fromErrorObject, InvalidParamsError } from '../../../core/errors.ts';
import { address, expectParams, slotKey } from '../params.ts';
import type { Handler } from './types.ts';

export const MAX_PROOF_KEYS = 1024;

/**
 * EIP-1186 proofs against the state root of a recent block: the sequencer keeps the states of the
 * last STATE_HISTORY_BLOCKS blocks and of those D1 has not indexed yet; an older one answers
 * -32000 "missing trie node" as geth does (core/sequencer/prune.ts).
 */
export const eth_getProof: Handler = async (params, c) => {
  const [a, keys, tag] = expectParams(params, 2, 3);
  if (!Array.isArray(keys)) throw new InvalidParamsError('invalid storage keys: expected an array');
  if (keys.length > MAX_PROOF_KEYS) throw new InvalidParamsError(`too many storage keys: at most ${MAX_PROOF_KEYS}`);
  const slots = keys.map((k) => slotKey(k));
  const n = await c.existingBlock(tag);
  const r = await c.sequencer.proof(address(a), slots, n);
  if ('error' in r) throw fromErrorObject(r.error);
  // Keys are echoed as sent, in the lowercase the specification's pattern wants.
  return { ...r.ok, storageProof: r.ok.storageProof.map((p, i) => ({ ...p, key: String(keys[i]).toLowerCase() })) };
};
