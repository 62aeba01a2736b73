import { type ErrorObject, InternalError, InvalidRequestError, MethodNotFoundError, ParseError, RpcError, toErrorObject } from '../../core/errors.ts';
import type { RpcContext } from './context.ts';
import { methods } from './methods/index.ts';

/** Requests per JSON-RPC batch. */
export const MAX_BATCH_SIZE = 100;

type Id = string | number | null;
export type RpcResponse = { jsonrpc: '2.0'; id: Id; result: unknown } | { jsonrpc: '2.0'; id: Id; error: ErrorObject };

const errorResponse = (id: Id, e: unknown): RpcResponse => ({ jsonrpc: '2.0', id, error: toErrorObject(e) });

async function handleOne(req: unknown, c: RpcContext): Promise<RpcResponse | null> {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) return errorResponse(null, new InvalidRequestError('invalid request: expected an object'));
  const r = req as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
  const validId = r.id === undefined || r.id === null || typeof r.id === 'string' || typeof r.id === 'number';
  const id = (validId ? (r.id ?? null) : null) as Id;
  if (!validId) return errorResponse(null, new InvalidRequestError('invalid request: id must be a string, a number or null'));
  if (r.jsonrpc !== '2.0') return errorResponse(id, new InvalidRequestError('invalid request: jsonrpc must be "2.0"'));
  if (typeof r.method !== 'string') return errorResponse(id, new InvalidRequestError('invalid request: method must be a string'));
  const isNotification = r.id === undefined;
  const handler = Object.hasOwn(methods, r.method) ? methods[r.method] : undefined;
  let response: RpcResponse;
  if (!handler) {
    // The name is echoed in the message: at most 100 characters of it, whatever was sent.
    response = errorResponse(id, new MethodNotFoundError(r.method.length > 100 ? `${r.method.slice(0, 100)}...` : r.method));
  } else {
    try {
      response = { jsonrpc: '2.0', id, result: await handler(r.params, c) };
    } catch (e) {
      if (!(e instanceof RpcError)) console.error(`${r.method} failed`, e);
      response = errorResponse(id, e instanceof RpcError ? e : new InternalError(e instanceof Error ? e.message : String(e)));
    }
  }
  return isNotification ? null : response;
}

/** A request body as JSON, or MALFORMED when it is not JSON at all. */
export const MALFORMED: unique symbol = Symbol('malformed JSON');
export function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return MALFORMED;
  }
}

/**
 * How many calls a parsed body makes, as the rate limits count them: one per request of a batch,
 * at most MAX_BATCH_SIZE (a larger batch is refused as a whole, none of its calls runs), and one
 * for anything else.
 */
export function callCount(parsed: unknown): number {
  return Array.isArray(parsed) ? Math.min(Math.max(parsed.length, 1), MAX_BATCH_SIZE) : 1;
}

/** Answers a parsed JSON-RPC 2.0 body (single or batch). Null: nothing to send back. */
export async function dispatch(parsed: unknown, c: RpcContext): Promise<RpcResponse | RpcResponse[] | null> {
  if (parsed === MALFORMED) return errorResponse(null, new ParseError());
  if (!Array.isArray(parsed)) return handleOne(parsed, c);
  if (parsed.length === 0) return errorResponse(null, new InvalidRequestError('empty batch'));
  if (parsed.length > MAX_BATCH_SIZE) return errorResponse(null, new InvalidRequestError(`batch too large: at most ${MAX_BATCH_SIZE} requests`));
  const responses = await Promise.all(parsed.map((r) => handleOne(r, c)));
  const out = responses.filter((r): r is RpcResponse => r !== null);
  return out.length > 0 ? out : null;
}
