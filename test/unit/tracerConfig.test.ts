import { describe, expect, it } from 'vitest';
import { InvalidParamsError } from '../../core/errors.ts';
import { callTracer } from '../../core/tracing/callTracer.ts';
import { prestateTracer } from '../../core/tracing/prestateTracer.ts';

describe('tracerConfig of callTracer and prestateTracer', () => {
  it('refuses unknown fields, wrong types and diffMode with includeEmpty with -32602', () => {
    const bad: [typeof callTracer, unknown, RegExp][] = [
      [callTracer, { withLogs: true }, /unknown tracerConfig field "withLogs"/],
      [callTracer, { onlyTopCall: 'yes' }, /onlyTopCall must be a boolean/],
      [callTracer, [], /must be an object/],
      [prestateTracer, { diffmode: true }, /unknown tracerConfig field "diffmode"/],
      [prestateTracer, { diffMode: 1 }, /diffMode must be a boolean/],
      [prestateTracer, { diffMode: true, includeEmpty: true }, /cannot use diffMode with includeEmpty/],
    ];
    for (const [factory, config, message] of bad) {
      let error: unknown;
      try {
        factory(config as Record<string, unknown>);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(config)).toBeInstanceOf(InvalidParamsError);
      expect((error as InvalidParamsError).code).toBe(-32602);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('takes every documented option', () => {
    expect(() => callTracer({ onlyTopCall: true, withLog: false })).not.toThrow();
    expect(() => prestateTracer({ diffMode: true, disableCode: true, disableStorage: false })).not.toThrow();
    expect(() => prestateTracer({ includeEmpty: true })).not.toThrow();
    // An absent tracerConfig means the defaults.
    expect(() => callTracer(undefined as unknown as Record<string, unknown>)).not.toThrow();
    expect(() => prestateTracer(null as unknown as Record<string, unknown>)).not.toThrow();
  });
});
