import { ServerError } from '../../../core/errors.ts';
import { filterHub, unwrap } from '../filters.ts';
import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** What a filter saw since its last poll (block hashes, transaction hashes or logs); each poll keeps it alive 5 minutes more. */
export const eth_getFilterChanges: Handler = async (params, c) => {
  const [id] = expectParams(params, 1, 1);
  const f = filterHub(c, id);
  if (!f) throw new ServerError('filter not found');
  return unwrap(f.hub.filterChanges(f.id));
};
