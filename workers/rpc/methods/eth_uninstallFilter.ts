import { filterHub } from '../filters.ts';
import { expectParams } from '../params.ts';
import type { Handler } from './types.ts';

/** Removes a filter: true if it existed. */
export const eth_uninstallFilter: Handler = async (params, c) => {
  const [id] = expectParams(params, 1, 1);
  const f = filterHub(c, id);
  if (!f) return false;
  return f.hub.uninstallFilter(f.id);
};
