import { hubStub } from '../../env.ts';
import { clientShard, unwrap } from '../filters.ts';
import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** A filter whose changes are the hashes of blocks sealed since the last poll. */
export const eth_newBlockFilter: Handler = async (params, c) => {
  expectParams(params, 0, 0);
  const shard = clientShard(c);
  return unwrap(hubStub(c.env, shard).newFilter(shard, c.client.id, 'blocks', null, await c.headNumber()));
};
