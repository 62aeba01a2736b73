import type { Hex } from '../../core/chain/hex.ts';
import { fromErrorObject, type Outcome } from '../../core/errors.ts';
import { type HubStub, hubShards, hubStub } from '../env.ts';
import type { RpcContext } from './context.ts';

/**
 * Filters (eth_newFilter and friends) live in the subscription hubs' SQLite (durable-objects/hub.ts),
 * where any edge isolate finds them: a client's filters are all in one hub, picked by a hash of the
 * client (so its filter count is checked in one place), and a filter id's first byte names its hub.
 */
export function clientShard(c: RpcContext): number {
  let h = 2166136261;
  for (const ch of `${c.client.kind}:${c.client.id}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h % hubShards(c.env);
}

/** The hub of a filter id, or null when the id cannot be one of ours (then: filter not found). */
export function filterHub(c: RpcContext, id: unknown): { hub: HubStub; id: Hex } | null {
  if (typeof id !== 'string' || !/^0x[0-9a-fA-F]{32}$/.test(id)) return null;
  const shard = Number.parseInt(id.slice(2, 4), 16);
  if (shard >= hubShards(c.env)) return null;
  return { hub: hubStub(c.env, shard), id: id.toLowerCase() as Hex };
}

export async function unwrap<T>(p: Promise<Outcome<T>>): Promise<T> {
  const r = await p;
  if ('error' in r) throw fromErrorObject(r.error);
  return r.ok;
}
