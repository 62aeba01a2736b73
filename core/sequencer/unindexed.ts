import type { UnindexedBlock } from '../simulation/chainView.ts';
import { loadValue } from '../storage/chunked.ts';
import type { SequencerCore } from './sequencer.ts';

/** Payload characters one feed answer carries at most (Durable Object RPC messages are bounded too). */
const FEED_BYTES = 8 * 1024 * 1024;

/**
 * The simulators' feed (core/simulation/chainView.ts): the head, the highest block up to which
 * the D1 index holds everything (`floor`: every 'index' outbox entry at or below it has been
 * written and acknowledged), and the sealed blocks after both `after` and `floor` with their state
 * changes, oldest first, at most `limit`. Two indexed reads of the outbox: no execution here.
 */
export function unindexedBlocks(core: SequencerCore, after: number, limit: number): { head: number; floor: number; blocks: UnindexedBlock[] } {
  const head = Number(core.headNumber);
  // Index entries written above a set-aside one stay in the outbox (done) until the floor passes them.
  const floor = core.outbox.indexedFloor(head);
  const from = Math.max(after, floor);
  if (from >= head) return { head, floor, blocks: [] };
  const blocks = core.sql
    .query<{ number: number; header: string; payload: string }>(
      `SELECT o.block AS number, b.header AS header, o.payload AS payload FROM outbox o JOIN blocks b ON b.number = o.block
        WHERE o.kind = 'index' AND o.block > ? ORDER BY o.block LIMIT ?`,
      from,
      Math.max(1, Math.min(limit, 1024)),
    )
    // A block's state changes can outgrow a row (core/storage/chunked.ts).
    .map((b) => ({ ...b, payload: loadValue(core.sql, b.payload) }));
  // One answer carries at most FEED_BYTES of payloads (and always one block): the caller asks again.
  let bytes = 0;
  let count = 0;
  for (const b of blocks) {
    bytes += b.payload.length + b.header.length;
    if (bytes > FEED_BYTES && count > 0) break;
    count++;
  }
  return { head, floor, blocks: blocks.slice(0, count) };
}
