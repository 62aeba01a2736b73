import type { Env } from '../../workers/env.ts';
import { checkLimits } from '../support/sqlLimits.ts';

/**
 * A D1 binding that refuses what production D1 refuses and local D1 (plain SQLite) accepts: more
 * than 100 bound parameters, a value or row over 2,000,000 bytes, a statement over 100,000 bytes
 * (test/support/sqlLimits.ts). Everything else goes to the real binding.
 */
export function checkedD1(db: D1Database): D1Database {
  const real = new WeakMap<object, D1PreparedStatement>();
  const statement = (target: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(target, {
      get(t, prop) {
        if (prop === 'bind') {
          return (...params: unknown[]) => {
            checkLimits(sql, params as Parameters<typeof checkLimits>[1]);
            return statement(t.bind(...params), sql);
          };
        }
        const v = Reflect.get(t, prop, t);
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    real.set(proxy, target);
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') {
        return (sql: string) => {
          checkLimits(sql, []);
          return statement(target.prepare(sql), sql);
        };
      }
      if (prop === 'batch') return (statements: D1PreparedStatement[]) => target.batch(statements.map((s) => real.get(s) ?? s));
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** The environment with its D1 bindings (index and state shards) checked. */
export function checkedEnv(env: Env): Env {
  const checked = new Map<PropertyKey, D1Database>((['INDEX_DB', 'STATE_SHARD_0', 'STATE_SHARD_1'] as const).map((name) => [name, checkedD1(env[name])]));
  return new Proxy(env, { get: (target, prop) => checked.get(prop) ?? Reflect.get(target, prop) });
}
