import { fromErrorObject, InvalidParamsError, RpcError } from '../../../core/errors.ts';
import { expectParams, quantity } from '../params.ts';
import type { Handler } from './types.ts';

/** Default and maximum wait for the receipt (EIP-7966 lets the caller pass a timeout in ms). */
export const SYNC_DEFAULT_TIMEOUT_MS = 2_000;
export const SYNC_MAX_TIMEOUT_MS = 10_000;

/** The wait the caller asked for (EIP-7966: milliseconds, a number or a hex quantity), within the bounds. */
function timeoutMs(v: unknown): number {
  if (v === undefined || v === null) return SYNC_DEFAULT_TIMEOUT_MS;
  const requested = typeof v === 'number' ? v : typeof v === 'string' ? Number(quantity(v, 'timeout')) : Number.NaN;
  if (!Number.isFinite(requested)) throw new InvalidParamsError('invalid timeout: expected milliseconds, as a number or a hex quantity');
  return Math.max(1, Math.min(requested, SYNC_MAX_TIMEOUT_MS));
}

/** EIP-7966: submit and answer with the receipt in the same round trip. */
export const eth_sendRawTransactionSync: Handler = async (params, c) => {
  const [raw, timeout] = expectParams(params, 1, 2);
  const wait = timeoutMs(timeout);
  const checked = await c.check(raw);
  const r = await c.sequencer.submitAndWait(checked, wait);
  if ('error' in r) throw fromErrorObject(r.error);
  if (!r.receipt) throw new RpcError(4, `the transaction was added to the pool but not included within ${wait} ms`, r.hash);
  return r.receipt;
};
