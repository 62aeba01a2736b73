import type { Hex } from '../chain/hex.ts';
import type { SealedBlockInfo } from '../proving/reconcile.ts';
import { RECONCILE_MAX_SENDS } from '../proving/reconcile.ts';
import type { SequencerCore } from './sequencer.ts';

/**
 * What the proving reconciler asks of sealed blocks (core/proving/reconcile.ts): hash, seal time,
 * and whether the block's trace still waits in the outbox. At most RECONCILE_MAX_SENDS blocks per
 * call: two indexed reads within the 100-parameter limit.
 */
export function sealedBlockInfo(core: SequencerCore, numbers: number[]): SealedBlockInfo[] {
  const wanted = numbers.slice(0, RECONCILE_MAX_SENDS);
  if (wanted.length === 0) return [];
  const marks = wanted.map(() => '?').join(', ');
  const rows = core.sql.query<{ number: number; hash: Hex; sealed_at: number | null }>(
    `SELECT b.number AS number, b.hash AS hash, d.sealed_at AS sealed_at FROM blocks b LEFT JOIN block_data d ON d.block = b.number WHERE b.number IN (${marks})`,
    ...wanted,
  );
  const outbox = new Map(
    core.sql
      .query<{ block: number; attempts: number; last_error: string | null }>(
        `SELECT block, attempts, last_error FROM outbox WHERE kind = 'trace' AND block IN (${marks})`,
        ...wanted,
      )
      .map((r) => [r.block, { attempts: r.attempts, error: r.last_error }]),
  );
  return rows
    .map((r) => ({ number: r.number, hash: r.hash, sealedAtMs: r.sealed_at ?? 0, traceOutbox: outbox.get(r.number) ?? null }))
    .sort((a, b) => a.number - b.number);
}
