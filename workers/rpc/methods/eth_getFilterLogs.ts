import { ServerError } from '../../../core/errors.ts';
import { filterHub, unwrap } from '../filters.ts';
import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** Every log a log filter matches over its whole range, as eth_getLogs with the filter's criteria. */
export const eth_getFilterLogs: Handler = async (params, c) => {
  const [id] = expectParams(params, 1, 1);
  const f = filterHub(c, id);
  if (!f) throw new ServerError('filter not found');
  return unwrap(f.hub.filterLogs(f.id));
};
