import { InvalidParamsError } from '../errors.ts';
import { callTracer } from './callTracer.ts';
import { prestateTracer } from './prestateTracer.ts';
import { DEFAULT_STRUCT_LOG_MAX_BYTES, structLogger } from './structLogger.ts';
import type { TracerFactory } from './tracer.ts';

/** Geth's named tracers served here; a name not listed is refused (JS tracers are never run). */
const NAMED: Record<string, TracerFactory> = { callTracer, prestateTracer };

/** What debug_trace* take as their last parameter, checked: the tracer named and the config it is given. */
export interface TraceRequest {
  /** undefined: the struct logger. */
  tracer?: string;
  /** The struct logger's options, or a named tracer's `tracerConfig`. */
  config: Record<string, unknown>;
}

/** Limits a trace runs under besides the simulator's gas cap and time limit (README: Limits). */
export interface TraceLimits {
  /** JSON bytes a struct log may reach (about). */
  structLogMaxBytes: number;
  /** Transactions one debug_traceBlock* request traces at most. */
  blockMaxTxs: number;
}

export const DEFAULT_TRACE_LIMITS: TraceLimits = { structLogMaxBytes: DEFAULT_STRUCT_LOG_MAX_BYTES, blockMaxTxs: 1000 };

export type TraceLimitVars = Partial<Record<'RPC_TRACE_MAX_BYTES' | 'RPC_TRACE_BLOCK_MAX_TXS', string>>;

function positive(vars: TraceLimitVars, name: keyof TraceLimitVars, fallback: number): number {
  const raw = vars[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) === 0 || !Number.isSafeInteger(Number(raw)))
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export function parseTraceLimits(vars: TraceLimitVars): TraceLimits {
  return {
    structLogMaxBytes: positive(vars, 'RPC_TRACE_MAX_BYTES', DEFAULT_TRACE_LIMITS.structLogMaxBytes),
    blockMaxTxs: positive(vars, 'RPC_TRACE_BLOCK_MAX_TXS', DEFAULT_TRACE_LIMITS.blockMaxTxs),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses geth's TraceConfig (`{ tracer?, tracerConfig?, ...struct logger options }`); null or absent is the struct logger's defaults. */
export function traceRequest(raw: unknown): TraceRequest {
  if (raw === undefined || raw === null) return { config: {} };
  if (!isObject(raw)) throw new InvalidParamsError('invalid tracer config: expected an object');
  const { tracer, tracerConfig, ...rest } = raw;
  if (tracer === undefined || tracer === null || tracer === '') return { config: rest };
  if (typeof tracer !== 'string') throw new InvalidParamsError('invalid tracer: expected a name');
  if (tracerConfig !== undefined && tracerConfig !== null && !isObject(tracerConfig)) throw new InvalidParamsError('invalid tracerConfig: expected an object');
  return { tracer, config: (tracerConfig as Record<string, unknown> | undefined) ?? {} };
}

/** The factory for a request; an unknown tracer name is -32602 before anything runs. */
export function tracerFactory(req: TraceRequest, limits: TraceLimits = DEFAULT_TRACE_LIMITS): TracerFactory {
  if (req.tracer === undefined) return structLogger(limits.structLogMaxBytes);
  const named = Object.hasOwn(NAMED, req.tracer) ? NAMED[req.tracer] : undefined;
  if (!named) {
    const known = Object.keys(NAMED);
    throw new InvalidParamsError(
      `tracer ${JSON.stringify(req.tracer)} is not supported: ${known.length > 0 ? `${known.join(', ')} and ` : ''}the default struct logger (no tracer field) are; JavaScript tracers are not run`,
    );
  }
  return named;
}
