/**
 * Bytes stored per transaction, table by table, in the sequencer's SQLite and in the D1 databases
 * (index and state shards), and how long 10 GB lasts: `node scripts/bench/storage.ts --help`.
 */
import type { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { encodeDeployData, encodeFunctionData, keccak256, parseAbi, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { parseChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { MIN_HISTORY_BLOCKS, type PrunePolicy, parsePrunePolicy, pruneStep } from '../../core/sequencer/prune.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import type { SqlPort } from '../../core/storage/sql.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { nodeD1 } from '../../test/support/nodeD1.ts';
import { nodeSql } from '../../test/support/nodeSql.ts';
import type { Env } from '../../workers/env.ts';
import { flushOutboxEntries } from '../../workers/index-db/writer.ts';
import { compileContract } from '../lib/compile.ts';

const HELP = `Usage: node scripts/bench/storage.ts [flags]

Measures the bytes each transaction leaves in storage: runs the sequencer core in plain Node over
a real SQLite (node:sqlite), seals blocks with traces as the Durable Object does, flushes every
block through the real D1 writer (workers/index-db/writer.ts) into three more SQLite databases
(the index and two state shards, as wrangler.toml binds them) and reads every table's size
(its rows and its indexes) from SQLite's dbstat before and after the load. Then it prunes the
sequencer completely (every block indexed and executed on L1, core/sequencer/prune.ts) in steps
of the default PRUNE_ROWS_PER_STEP, timing each, and measures what stays. From the figures it
prints how long 10 GB (the most a Durable Object or a D1 database holds) lasts at each rate, with
the default pruning policy for the sequencer.

Loads (--mix), each transaction signed by one of 32 senders:
  transfer       ETH transfers between existing accounts (no new state)
  transfer-new   ETH transfers, each to a new account
  erc20-new      ERC-20 transfers (contracts/Token.sol), each to a new holder (one new slot)

Flags:
  --mix LIST      comma-separated loads (default transfer,transfer-new,erc20-new)
  --tps LIST      rates to size blocks for: a block holds rate * BLOCK_TIME_MS transactions
                  (default 100,1000)
  --txs N         measured transactions per load and rate (default 2000)
  --json FILE     also write the figures as JSON
  --help          this text`;

const GB10 = 10 * 1000 ** 3;
const BLOCK_TIME_MS = 100;

type Sizes = Map<string, number>;

/** Bytes of every table, its indexes included, from dbstat (pages in use; free pages are reused, not counted). */
function sizesOf(query: (sql: string) => { table: string; bytes: number }[]): Sizes {
  const out: Sizes = new Map();
  for (const r of query(
    `SELECT COALESCE(m.tbl_name, s.name) AS "table", SUM(s.pgsize) AS bytes FROM dbstat s LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY 1`,
  )) {
    out.set(r.table, r.bytes);
  }
  return out;
}
const sqlSizes = (sql: SqlPort) => sizesOf((q) => sql.query<{ table: string; bytes: number }>(q));
const d1Sizes = (db: DatabaseSync) => sizesOf((q) => db.prepare(q).all() as { table: string; bytes: number }[]);

function perTx(after: Sizes, before: Sizes, txs: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [t, b] of after) {
    const d = (b - (before.get(t) ?? 0)) / txs;
    if (Math.abs(d) >= 0.5) out.set(t, d);
  }
  for (const [t, b] of before) if (!after.has(t) && b / txs >= 0.5) out.set(t, -b / txs);
  return out;
}
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export interface StorageFigures {
  mix: string;
  tps: number;
  txsPerBlock: number;
  txs: number;
  sequencer: Record<string, number>;
  sequencerPruned: Record<string, number>;
  index: Record<string, number>;
  shards: Record<string, number>[];
  /** Pruning everything afterwards, in steps of the default PRUNE_ROWS_PER_STEP: how many, and how long each took. */
  pruneSteps: { count: number; medianMs: number; maxMs: number };
}

const tokenAbi = parseAbi(['function transfer(address to, uint256 value) returns (bool)']);

export async function measureStorage(mix: string, tps: number, txs: number): Promise<StorageFigures> {
  const senders = Array.from({ length: 32 }, (_, i) => privateKeyToAccount(keccak256(toHex(`storage-bench-sender-${i}`))));
  const config = parseChainConfig({ DEV_CHAIN: '1', GENESIS_ACCOUNTS: senders.map((s) => `${s.address}=${10n ** 24n}`).join(',') });
  const seq = new SequencerCore(nodeSql(), config, { recordTraces: true });
  await seq.init();
  const dbs = [nodeD1(), nodeD1(), nodeD1()];
  const env = { INDEX_DB: dbs[0], STATE_SHARD_0: dbs[1], STATE_SHARD_1: dbs[2] } as unknown as Env;
  const nonces = senders.map(() => 0);
  let fresh = 0;
  const newAddress = () => keccak256(toHex(`storage-bench-recipient-${fresh++}`)).slice(0, 42) as Hex;

  // As the Durable Object does after each seal: the index to D1, the trace to R2 (dropped here), entries acknowledged.
  const flush = async () => {
    const entries = seq.outboxPending(1_000_000, Number.MAX_SAFE_INTEGER);
    await flushOutboxEntries(
      env,
      config,
      entries.filter((e) => e.kind === 'index'),
      (b) => seq.blockRows(b),
    );
    for (const e of entries) if (e.kind === 'trace') seq.dropTrace(e.block);
    seq.outboxDone(entries.map((e) => e.id));
  };
  const sealAll = async (raws: string[]) => {
    const results = seq.submit(raws.map((r) => checkRawTransaction(r, config.chainId, config.blockGasLimit)));
    const refused = results.find((r) => 'error' in r);
    if (refused) throw new Error(`refused: ${JSON.stringify(refused)}`);
    let included = 0;
    while (seq.hasPending()) {
      const sealed = await seq.seal(Date.now());
      if (!sealed) throw new Error('a block could not be sealed');
      included += sealed.included.length;
      await flush();
    }
    if (included !== raws.length) throw new Error(`included ${included} of ${raws.length}`);
  };
  const sign = (i: number, tx: { to?: Hex; value?: bigint; data?: Hex; gas: bigint }) =>
    senders[i].signTransaction({
      chainId: Number(config.chainId),
      type: 'eip1559',
      nonce: nonces[i]++,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
      ...tx,
    });
  const pruneAll = async () => {
    seq.batcher.closeIfDue(Date.now() + config.batchMaxAgeMs);
    const last = seq.batcher.lastBatchNumber();
    seq.setL1Progress({ committed: last, proven: last, executed: last });
    // One more block opens the next batch, so that the executed one holds no block kept by the window.
    await sealAll([await sign(0, { to: senders[1].address, value: 1n, gas: 21_000n })]);
    const everything: PrunePolicy = { historyBlocks: 1, stateBlocks: 1, trieIntervalBlocks: 1, rowsPerStep: parsePrunePolicy({}).rowsPerStep };
    const times: number[] = [];
    for (;;) {
      const t = performance.now();
      const rows = pruneStep(seq, everything);
      times.push(performance.now() - t);
      if (rows === 0) return times;
    }
  };

  // Warm-up, unmeasured: the token and its holders, then a block of the load; pruned, so the baseline is the live state.
  let token: Hex | undefined;
  if (mix === 'erc20-new') {
    const { abi, bytecode } = compileContract('Token.sol', 'Token');
    await sealAll([await sign(0, { data: encodeDeployData({ abi, bytecode, args: ['Bench', 'B', 10n ** 30n] }), gas: 3_000_000n })]);
    const deployTx = seq.block(seq.headNumber, false)?.transactions[0] as Hex;
    token = seq.receipt(deployTx)?.contractAddress as Hex;
    const fund = [];
    for (let i = 1; i < senders.length; i++) {
      fund.push(
        await sign(0, {
          to: token,
          data: encodeFunctionData({ abi: tokenAbi, functionName: 'transfer', args: [senders[i].address, 10n ** 27n] }),
          gas: 100_000n,
        }),
      );
    }
    await sealAll(fund);
  }
  const load = async (n: number) => {
    const raws: string[] = [];
    for (let k = 0; k < n; k++) {
      const i = k % senders.length;
      if (mix === 'transfer') raws.push(await sign(i, { to: senders[(i + 1) % senders.length].address, value: 1n, gas: 21_000n }));
      else if (mix === 'transfer-new') raws.push(await sign(i, { to: newAddress(), value: 1n, gas: 21_000n }));
      else
        raws.push(await sign(i, { to: token, data: encodeFunctionData({ abi: tokenAbi, functionName: 'transfer', args: [newAddress(), 1n] }), gas: 100_000n }));
    }
    return raws;
  };
  const txsPerBlock = Math.max(1, Math.round((tps * BLOCK_TIME_MS) / 1000));
  await sealAll(await load(senders.length));
  await pruneAll();
  const before = sqlSizes(seq.sql);
  const beforeD1 = dbs.map((d) => d1Sizes(d.sqlite));

  for (let done = 0; done < txs; done += txsPerBlock) {
    const raws = await load(Math.min(txsPerBlock, txs - done));
    const results = seq.submit(raws.map((r) => checkRawTransaction(r, config.chainId, config.blockGasLimit)));
    if (results.some((r) => 'error' in r)) throw new Error('a transaction was refused');
    const sealed = await seq.seal(Date.now());
    if (sealed?.included.length !== raws.length) throw new Error(`block of ${sealed?.included.length} of ${raws.length} transactions`);
    await flush();
  }
  const after = sqlSizes(seq.sql);
  const afterD1 = dbs.map((d) => d1Sizes(d.sqlite));
  const stepMs = (await pruneAll()).sort((a, b) => a - b);
  const pruned = sqlSizes(seq.sql);
  const record = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
  return {
    mix,
    tps,
    txsPerBlock,
    txs,
    sequencer: record(perTx(after, before, txs)),
    sequencerPruned: record(perTx(pruned, before, txs)),
    index: record(perTx(afterD1[0], beforeD1[0], txs)),
    shards: [1, 2].map((i) => record(perTx(afterD1[i], beforeD1[i], txs))),
    pruneSteps: { count: stepMs.length, medianMs: stepMs[Math.floor(stepMs.length / 2)], maxMs: stepMs[stepMs.length - 1] },
  };
}

const days = (bytes: number, bytesPerTx: number, tps: number) => (bytesPerTx <= 0 ? Number.POSITIVE_INFINITY : bytes / (bytesPerTx * tps) / 86_400);
const fmtDays = (d: number) =>
  d === Number.POSITIVE_INFINITY ? 'unbounded' : d >= 365 ? `${(d / 365).toFixed(1)} years` : d >= 1 ? `${d.toFixed(1)} days` : `${(d * 24).toFixed(1)} hours`;

/**
 * How long 10 GB lasts. The sequencer, pruned with the default policy, holds the live state (what
 * stays after pruning, growing with every transaction) plus a window of HISTORY_BLOCKS blocks (what
 * pruning removes, at this rate's block size); D1 keeps everything.
 */
export function horizons(f: StorageFigures) {
  const policy = parsePrunePolicy({});
  const unpruned = total(new Map(Object.entries(f.sequencer)));
  const kept = total(new Map(Object.entries(f.sequencerPruned)));
  const windowBytes = Math.max(policy.historyBlocks, MIN_HISTORY_BLOCKS) * f.txsPerBlock * (unpruned - kept);
  return {
    sequencerUnpruned: days(GB10, unpruned, f.tps),
    sequencerPruned: days(GB10 - windowBytes, kept, f.tps),
    windowGB: windowBytes / 1000 ** 3,
    index: days(GB10, total(new Map(Object.entries(f.index))), f.tps),
    shard: days(GB10, Math.max(...f.shards.map((s) => total(new Map(Object.entries(s))))), f.tps),
  };
}

function render(f: StorageFigures): string {
  const lines = [`\n${f.mix} at ${f.tps} tx/s (${f.txsPerBlock} per block, ${f.txs} transactions), bytes per transaction:`];
  const table = (name: string, m: Record<string, number>) => {
    const entries = Object.entries(m);
    lines.push(`  ${name}: ${total(new Map(entries)).toFixed(0)}  (${entries.map(([t, b]) => `${t} ${b.toFixed(0)}`).join(', ')})`);
  };
  table('sequencer, unpruned', f.sequencer);
  table('sequencer, pruned  ', f.sequencerPruned);
  table('D1 index           ', f.index);
  f.shards.forEach((s, i) => {
    table(`D1 state shard ${i}   `, s);
  });
  const h = horizons(f);
  lines.push(
    `  pruning it all: ${f.pruneSteps.count} steps of at most ${parsePrunePolicy({}).rowsPerStep} rows, median ${f.pruneSteps.medianMs.toFixed(1)} ms, longest ${f.pruneSteps.maxMs.toFixed(1)} ms`,
  );
  lines.push(
    `  10 GB lasts: sequencer ${fmtDays(h.sequencerUnpruned)} unpruned, ${fmtDays(h.sequencerPruned)} pruned (HISTORY_BLOCKS window ${h.windowGB.toFixed(2)} GB); D1 index ${fmtDays(h.index)}; each state shard ${fmtDays(h.shard)}`,
  );
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { mix: { type: 'string' }, tps: { type: 'string' }, txs: { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const mixes = (values.mix ?? 'transfer,transfer-new,erc20-new').split(',');
  for (const m of mixes) if (!['transfer', 'transfer-new', 'erc20-new'].includes(m)) throw new Error(`unknown --mix ${m}`);
  const rates = (values.tps ?? '100,1000').split(',').map(Number);
  const txs = Number(values.txs ?? 2000);
  const all: StorageFigures[] = [];
  for (const mix of mixes) {
    for (const tps of rates) {
      const f = await measureStorage(mix, tps, txs);
      all.push(f);
      console.log(render(f));
    }
  }
  if (values.json) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      values.json,
      JSON.stringify(
        all.map((f) => ({ ...f, horizonsDays: horizons(f) })),
        null,
        2,
      ),
    );
  }
}
