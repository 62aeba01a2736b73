import { InvalidParamsError } from '../errors.ts';

/**
 * Reads a named tracer's `tracerConfig`: each field must be one the tracer knows, of type boolean.
 * Geth's JSON decoding would ignore an unknown field; we refuse it, so that a misspelt option
 * (`withLogs`) is an error rather than a silently different trace.
 */
export function booleanOptions<K extends string>(tracer: string, config: Record<string, unknown>, known: readonly K[]): Record<K, boolean> {
  const out = Object.fromEntries(known.map((k) => [k, false])) as Record<K, boolean>;
  // No tracerConfig (or null) means the defaults, as in geth.
  if (config === undefined || config === null) return out;
  if (typeof config !== 'object' || Array.isArray(config)) throw new InvalidParamsError(`${tracer}: tracerConfig must be an object`);
  for (const [key, value] of Object.entries(config)) {
    if (!(known as readonly string[]).includes(key)) {
      throw new InvalidParamsError(`${tracer}: unknown tracerConfig field ${JSON.stringify(key)} (known: ${known.join(', ')})`);
    }
    if (typeof value !== 'boolean') throw new InvalidParamsError(`${tracer}: tracerConfig.${key} must be a boolean`);
    out[key as K] = value;
  }
  return out;
}
