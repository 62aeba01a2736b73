import type { TxObserver } from '../execution/executeBlock.ts';

/**
 * A geth tracer over one transaction at a time: an observer of its execution (it subscribes to the
 * EVM's events in `before`, unsubscribes in `after`) that then gives geth's JSON for it. A block is
 * traced with one fresh tracer per transaction.
 */
export interface Tracer extends TxObserver {
  /** Geth's output for the transaction observed last; called after `after`. */
  result(): unknown;
}

/**
 * Makes a fresh tracer. `config` is what the request gave: the struct logger's options
 * (disableStack, disableStorage, enableMemory, enableReturnData) or a named tracer's
 * `tracerConfig`, unvalidated; a factory throws InvalidParamsError for a field it cannot honour.
 */
export type TracerFactory = (config: Record<string, unknown>) => Tracer;
