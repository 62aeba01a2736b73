/**
 * The one error hierarchy of the chain. Each class fixes its JSON-RPC error code here and only
 * here; the RPC layer serializes `{ code, message, data }` and nothing else decides codes.
 * Errors crossing the Durable Object boundary travel as plain `{ code, message, data }` objects
 * (see toErrorObject / fromErrorObject) because RPC serialization keeps only an Error's message.
 */
export class RpcError extends Error {
  readonly code: number;
  readonly data?: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

export class ParseError extends RpcError {
  constructor(message = 'parse error') {
    super(-32700, message);
  }
}
export class InvalidRequestError extends RpcError {
  constructor(message: string) {
    super(-32600, message);
  }
}
export class MethodNotFoundError extends RpcError {
  constructor(method: string) {
    super(-32601, `the method ${method} does not exist/is not available`);
  }
}
export class InvalidParamsError extends RpcError {
  constructor(message: string) {
    super(-32602, message);
  }
}
export class InternalError extends RpcError {
  constructor(message: string) {
    super(-32603, message);
  }
}
/** Geth's -32000 family: transaction rejected, state not available, and similar server errors. */
export class ServerError extends RpcError {
  constructor(message: string, data?: unknown) {
    super(-32000, message, data);
  }
}
/** Geth's answer when a call runs out of time: -32000 "execution aborted (timeout = 5s)" (the duration as Go prints it). */
export class ExecutionTimeoutError extends ServerError {
  constructor(timeoutMs: number) {
    super(`execution aborted (timeout = ${timeoutMs < 1000 ? `${timeoutMs}ms` : `${timeoutMs / 1000}s`})`);
  }
}
export class ResourceNotFoundError extends RpcError {
  constructor(message: string) {
    super(-32001, message);
  }
}
export class LimitExceededError extends RpcError {
  constructor(message: string) {
    super(-32005, message);
  }
}
/** A reverted eth_call / eth_estimateGas: code 3, the revert data in `data`, as geth answers. */
export class ExecutionRevertedError extends RpcError {
  constructor(data: `0x${string}`, reason?: string) {
    super(3, reason ? `execution reverted: ${reason}` : 'execution reverted', data);
  }
}

export interface ErrorObject {
  code: number;
  message: string;
  /** Revert data or a transaction hash: always a string here. */
  data?: string;
}

export function toErrorObject(e: unknown): ErrorObject {
  if (e instanceof RpcError) return e.data === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, data: String(e.data) };
  return { code: -32603, message: e instanceof Error ? e.message : String(e) };
}

export function fromErrorObject(o: ErrorObject): RpcError {
  return new RpcError(o.code, o.message, o.data);
}

/** A result or the error to answer with: errors cross the Durable Object RPC boundary as plain objects. */
export type Outcome<T> = { ok: T } | { error: ErrorObject };

export async function outcome<T>(fn: () => T | Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: await fn() };
  } catch (e) {
    return { error: toErrorObject(e) };
  }
}
