import { RpcError } from '../../core/errors.ts';

/** The RpcError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error('expected an RPC error');
}
