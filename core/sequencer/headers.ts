import type { RpcBlockHeader } from '../chain/types.ts';
import type { SqlPort } from '../storage/sql.ts';

/**
 * Headers of the sealed blocks `from..to`, in order, without their transaction lists: range reads
 * (eth_getLogs, eth_feeHistory) need only the header, and a block's list of hashes is up to 2000
 * times larger.
 */
export function headersBetween(sql: SqlPort, from: bigint, to: bigint): RpcBlockHeader[] {
  return sql
    .query<{ header: string }>(`SELECT header FROM blocks WHERE number BETWEEN ? AND ? ORDER BY number`, Number(from), Number(to))
    .map((r) => JSON.parse(r.header) as RpcBlockHeader);
}
