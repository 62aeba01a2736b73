/**
 * The outbox in plain Node (core/sequencer/outbox.ts): a failed entry goes alone next time and,
 * failing again and again, is set aside with growing delays while later entries go on; the
 * indexed floor (what D1 may call indexed, where the simulators' feed starts) stays below it, the
 * feed keeps serving the blocks written above it, and everything closes up once it is written.
 */
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { OUTBOX_SET_ASIDE_AFTER, setAsideDelay } from '../../core/sequencer/outbox.ts';
import { ensureSchema, getMeta, SCHEMA_VERSION } from '../../core/sequencer/schema.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { unindexedBlocks } from '../../core/sequencer/unindexed.ts';
import { checkedTx } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';

const config = parseChainConfig({ DEV_CHAIN: '1' });
const T0 = 1_800_000_000_000;

/** A core with the genesis entry flushed and `blocks` blocks of one transfer each sealed. */
async function chainWith(blocks: number): Promise<SequencerCore> {
  const core = new SequencerCore(nodeSql(), config, { recordTraces: true });
  await core.init(T0);
  core.outboxDone(core.outboxPending(10, 1e9, T0).map((e) => e.id));
  for (let n = 0; n < blocks; n++) {
    core.submit([await checkedTx(config, 0, n, { to: '0x000000000000000000000000000000000000dead', value: 1n, gas: 21_000n })], T0);
    await core.seal(T0 + n * 1000);
  }
  return core;
}

/** One flush round as the Durable Object runs it, with `fails(block, kind)` deciding which writes fail. */
function round(core: SequencerCore, now: number, fails: (block: number, kind: string) => boolean): { written: number[]; failed?: number } {
  const entries = core.outboxPending(32, 1e9, now);
  const bad = entries.find((e) => fails(e.block, e.kind));
  if (bad) {
    core.outboxFailed(entries[0], `write of ${bad.kind} ${bad.block} failed`, now);
    return { written: [], failed: entries[0].block };
  }
  core.outboxDone(entries.map((e) => e.id));
  return { written: entries.map((e) => e.block) };
}

describe('outbox', () => {
  it('sets aside an entry that keeps failing, lets later ones go on, keeps the floor below it, and closes up once it is written', async () => {
    const core = await chainWith(6);
    const poison = (block: number, kind: string) => block === 3 && kind === 'index';
    let now = T0 + 10_000;
    // Entries of blocks 1 and 2 go; the round holding block 3 fails, blaming its first entry.
    expect(round(core, now, poison)).toMatchObject({ failed: 1 });
    // The blamed entry goes alone (and succeeds); then rounds stop at block 3's index entry.
    expect(round(core, now, poison).written).toEqual([1]);
    expect(round(core, now, poison)).toMatchObject({ failed: 1 });
    expect(round(core, now, poison).written).toEqual([1]);
    let r = round(core, now, poison);
    while (r.written.length > 0 || r.failed !== 3) r = round(core, now, poison);
    // Block 3's index entry now fails alone until it is set aside.
    for (let i = 1; i < OUTBOX_SET_ASIDE_AFTER; i++) expect(round(core, now, poison)).toMatchObject({ failed: 3 });
    const aside = core.outbox.setAside();
    expect(aside.count).toBe(1);
    expect(aside.entries[0]).toMatchObject({ kind: 'index', block: 3, attempts: OUTBOX_SET_ASIDE_AFTER, nextAt: now + setAsideDelay(OUTBOX_SET_ASIDE_AFTER) });
    expect(aside.entries[0].error).toMatch(/index 3/);

    // Later entries go on without it (its trace included); the floor stays at block 2.
    expect(round(core, now, poison).written).toEqual([3, 4, 4, 5, 5, 6, 6]);
    expect(core.outboxSize()).toBe(1);
    expect(core.outbox.indexedFloor(6)).toBe(2);
    // D1 may be told it indexed up to block 2 only: the barrier for block 3's retry is the head + 1.
    expect(core.outbox.lowestIndexOutside([])).toBe(3);
    // The simulators' feed still serves every block above the floor, those written to D1 included.
    const feed = unindexedBlocks(core, 0, 100);
    expect(feed.floor).toBe(2);
    expect(feed.blocks.map((b) => b.number)).toEqual([3, 4, 5, 6]);

    // Not before its delay; then it is tried again (alone), and once written the floor closes up.
    expect(core.outboxPending(32, 1e9, now)).toEqual([]);
    expect(core.outbox.nextDue()).toBe(now + setAsideDelay(OUTBOX_SET_ASIDE_AFTER));
    now += setAsideDelay(OUTBOX_SET_ASIDE_AFTER);
    expect(round(core, now, poison)).toMatchObject({ failed: 3 });
    expect(core.outbox.setAside().entries[0].nextAt).toBe(now + setAsideDelay(OUTBOX_SET_ASIDE_AFTER + 1));
    expect(setAsideDelay(OUTBOX_SET_ASIDE_AFTER + 1)).toBe(2 * setAsideDelay(OUTBOX_SET_ASIDE_AFTER));
    now += setAsideDelay(OUTBOX_SET_ASIDE_AFTER + 1);
    expect(round(core, now, () => false).written).toEqual([3]);
    expect(core.outboxSize()).toBe(0);
    expect(core.outbox.indexedFloor(6)).toBe(6);
    expect(unindexedBlocks(core, 0, 100)).toEqual({ head: 6, floor: 6, blocks: [] });
    expect(core.sql.query(`SELECT COUNT(*) AS n FROM outbox`)[0].n).toBe(0);
  });

  it('migrates an outbox made before version 3 (its backoff columns), keeping its entries', async () => {
    const sql = nodeSql();
    sql.query(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.query(`INSERT INTO meta (key, value) VALUES ('schema_version', '1')`);
    sql.query(
      `CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, block INTEGER NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT)`,
    );
    sql.query(`INSERT INTO outbox (kind, block, payload, attempts) VALUES ('index', 7, '{}', 2)`);
    ensureSchema(sql);
    ensureSchema(sql);
    expect(getMeta(sql, 'schema_version')).toBe(String(SCHEMA_VERSION));
    expect(sql.query(`SELECT block, attempts, next_at, done FROM outbox`)).toEqual([{ block: 7, attempts: 2, next_at: 0, done: 0 }]);
  });
});
