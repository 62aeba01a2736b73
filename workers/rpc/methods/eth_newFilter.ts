import { hubStub } from '../../env.ts';
import { clientShard, unwrap } from '../filters.ts';
import { expectParams } from '../params.ts';
import { parseFilter } from './eth_getLogs.ts';
import type { Handler } from './types.ts';

/** A log filter polled with eth_getFilterChanges (new logs since the last poll) or read whole with eth_getFilterLogs. */
export const eth_newFilter: Handler = async (params, c) => {
  const [criteria] = expectParams(params, 1, 1);
  parseFilter(criteria);
  const shard = clientShard(c);
  return unwrap(hubStub(c.env, shard).newFilter(shard, c.client.id, 'logs', criteria as Record<string, unknown>, await c.headNumber()));
};
