import { fromErrorObject, RpcError } from '../../../core/errors.ts';
import { expectParams, quantity } from '../params.ts';
import type { Handler } from './types.ts';

/** Default and maximum wait for the receipt (EIP-7966 lets the caller pass a timeout in ms). */
export const SYNC_DEFAULT_TIMEOUT_MS = 2_000;
export const SYNC_MAX_TIMEOUT_MS = 10_000;

/** EIP-7966: submit and answer with the receipt in the same round trip. */
export const eth_sendRawTransactionSync: Handler = async (params, c) => {
  const [raw, timeout] = expectParams(params, 1, 2);
  const checked = await c.check(raw);
  const requested =
    timeout === undefined || timeout === null ? SYNC_DEFAULT_TIMEOUT_MS : Number(typeof timeout === 'string' ? quantity(timeout, 'timeout') : timeout);
  const timeoutMs = Math.max(1, Math.min(Number.isFinite(requested) ? requested : SYNC_DEFAULT_TIMEOUT_MS, SYNC_MAX_TIMEOUT_MS));
  const r = await c.sequencer.submitAndWait(checked, timeoutMs);
  if ('error' in r) throw fromErrorObject(r.error);
  if (!r.receipt) throw new RpcError(4, `the transaction was added to the pool but not included within ${timeoutMs} ms`, r.hash);
  return r.receipt;
};
