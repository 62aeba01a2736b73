import { type ErrorObject, toErrorObject } from '../core/errors.ts';

/** A result or the error to answer with: errors cross the RPC boundary as plain objects. */
export type Outcome<T> = { ok: T } | { error: ErrorObject };

export async function outcome<T>(fn: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: await fn() };
  } catch (e) {
    return { error: toErrorObject(e) };
  }
}
