/** Medians across repeats, the side-by-side table (chain/anvil), per-repeat lines and the JSON file. */
import { writeFileSync } from 'node:fs';
import type { BurstResult } from './burst.ts';
import type { ClosedLoopResult } from './closedLoop.ts';
import type { HostileReadsResult } from './hostileReads.ts';
import { labelOf, type Target, type TargetName } from './targets.ts';
import { median } from './util.ts';

export interface TargetRuns {
  target: Target;
  burst: BurstResult[];
  closedLoop: ClosedLoopResult[];
  /** The same closed loop while hostile readers keep looping eth_calls in flight. */
  hostileLoop: ClosedLoopResult[];
  hostileReads: HostileReadsResult[];
}

interface Metric {
  key: string;
  label: string;
  /** Whether a larger value is better (for the reader; the ratio is always chain/anvil). */
  higherIsBetter: boolean;
  digits: number;
  get: (r: TargetRuns) => number[];
}

const METRICS: Metric[] = [
  { key: 'burstTps', label: 'burst throughput (tx/s, to last receipt)', higherIsBetter: true, digits: 0, get: (r) => r.burst.map((b) => b.tps) },
  { key: 'burstAcceptTps', label: 'burst acceptance (tx/s, to last send)', higherIsBetter: true, digits: 0, get: (r) => r.burst.map((b) => b.acceptTps) },
  { key: 'burstSendMs', label: 'burst time to last send (ms)', higherIsBetter: false, digits: 0, get: (r) => r.burst.map((b) => b.sendMs) },
  { key: 'burstTotalMs', label: 'burst time to last receipt (ms)', higherIsBetter: false, digits: 0, get: (r) => r.burst.map((b) => b.totalMs) },
  { key: 'burstBlocks', label: 'burst blocks used', higherIsBetter: false, digits: 0, get: (r) => r.burst.map((b) => b.blocks) },
  { key: 'loopTps', label: 'closed loop throughput (tx/s)', higherIsBetter: true, digits: 0, get: (r) => r.closedLoop.map((c) => c.tps) },
  { key: 'loopP50Ms', label: 'closed loop latency p50 (ms)', higherIsBetter: false, digits: 1, get: (r) => r.closedLoop.map((c) => c.p50Ms) },
  { key: 'loopP99Ms', label: 'closed loop latency p99 (ms)', higherIsBetter: false, digits: 1, get: (r) => r.closedLoop.map((c) => c.p99Ms) },
  { key: 'hostileTps', label: 'closed loop + hostile reads (tx/s)', higherIsBetter: true, digits: 0, get: (r) => r.hostileLoop.map((c) => c.tps) },
  { key: 'hostileP50Ms', label: 'closed loop + hostile reads p50 (ms)', higherIsBetter: false, digits: 1, get: (r) => r.hostileLoop.map((c) => c.p50Ms) },
  { key: 'hostileP99Ms', label: 'closed loop + hostile reads p99 (ms)', higherIsBetter: false, digits: 1, get: (r) => r.hostileLoop.map((c) => c.p99Ms) },
  {
    key: 'hostileOverQuietP50',
    label: 'hostile / quiet closed loop p50',
    higherIsBetter: false,
    digits: 2,
    get: (r) => (r.hostileLoop.length ? [median(r.hostileLoop.map((c) => c.p50Ms)) / median(r.closedLoop.map((c) => c.p50Ms))] : []),
  },
];

function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '-';
}

export function medians(r: TargetRuns): Record<string, number> {
  return Object.fromEntries(METRICS.map((m) => [m.key, median(m.get(r))]));
}

export interface BenchConfig {
  transfers: number;
  /** Transfers of the unmeasured warm-up burst each target got first (0: none). */
  warmup: number;
  senders: number;
  clients: number;
  durationS: number;
  repeat: number;
  pollMs: number;
  receipts: 'sync' | 'poll';
  /** Whether an anvil started by this run is restarted before every phase. */
  freshAnvil: boolean;
  /** Clients keeping a looping eth_call in flight during the hostile-reads closed loop (0: phase skipped). */
  hostileReaders: number;
}

export function renderReport(config: BenchConfig, runs: TargetRuns[]): string {
  const lines: string[] = [];
  const byName = (n: TargetName) => runs.find((r) => r.target.name === n);
  const anvil = byName('anvil');
  const chain = byName('chain');
  lines.push('');
  lines.push(
    `Load: burst ${config.transfers} transfers from ${config.senders} senders; closed loop ${config.clients} clients for ${config.durationS} s; ` +
      `closed-loop receipts ${config.receipts === 'sync' ? 'by eth_sendRawTransactionSync' : `polled every ${config.pollMs} ms`}; burst receipts polled every ${config.pollMs} ms; medians of ${config.repeat} repeat(s)` +
      (config.warmup > 0 ? `, after one unmeasured warm-up burst of ${config.warmup} transfers per target.` : ', no warm-up.'),
  );
  if (config.hostileReaders > 0) {
    lines.push(
      `Hostile reads: the same closed loop again while ${config.hostileReaders} clients each keep a looping eth_call at the gas cap (50M) in flight, back to back.`,
    );
  }
  for (const r of runs) {
    const t = r.target;
    const how = t.origin === 'url' ? 'given with --url' : 'started by this run';
    const mining = t.automine === true ? ', automine (mines a block as soon as transactions arrive)' : t.automine === false ? ', interval mining' : '';
    const url = t.name === 'anvil' && t.origin === 'started' && config.freshAnvil ? 'a fresh one on a free loopback port per phase' : t.url || '-';
    lines.push(`  ${t.name}: ${url} (${how}), client ${t.clientVersion}${mining}`);
    if (t.anvilArgs?.length) lines.push(`         extra anvil args: ${t.anvilArgs.join(' ')}`);
    if (t.name === 'anvil' && t.origin === 'started' && config.freshAnvil) {
      lines.push('         restarted fresh before every phase: anvil 1.7 mines slower as its chain grows (foundry-rs/foundry#15715)');
    }
  }
  lines.push('');
  const header = ['metric (median)', ...runs.map((r) => labelOf(r.target))];
  if (anvil && chain) header.push('chain/anvil');
  const rows: string[][] = [header];
  for (const m of METRICS) {
    const row = [m.label];
    const vals = runs.map((r) => median(m.get(r)));
    for (const v of vals) row.push(fmt(v, m.digits));
    if (anvil && chain) {
      const a = median(m.get(anvil));
      const c = median(m.get(chain));
      row.push(Number.isFinite(a) && Number.isFinite(c) && a !== 0 ? `${(c / a).toFixed(2)}x` : '-');
    }
    rows.push(row);
  }
  const widths = header.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  rows.forEach((row, n) => {
    lines.push(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  '));
    if (n === 0) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  });
  if (anvil && chain) lines.push('(ratio = chain / anvil: above 1 is better for throughput, below 1 is better for times and latencies)');

  lines.push('');
  lines.push('Per repeat:');
  for (const r of runs) {
    r.burst.forEach((b, i) => {
      lines.push(
        `  ${r.target.name.padEnd(5)} #${i + 1} burst:       ${b.tps.toFixed(0)} tx/s (${b.transfers} tx, last send ${b.sendMs.toFixed(0)} ms = ${b.acceptTps.toFixed(0)} tx/s accepted, ` +
          `last receipt ${b.totalMs.toFixed(0)} ms, ${b.included} included in ${b.blocks} blocks, from height ${b.startBlock})`,
      );
    });
    r.closedLoop.forEach((c, i) => {
      lines.push(
        `  ${r.target.name.padEnd(5)} #${i + 1} closed loop: ${c.tps.toFixed(0)} tx/s (${c.count} tx in ${(c.elapsedMs / 1000).toFixed(2)} s), ` +
          `p50 ${c.p50Ms.toFixed(1)} ms, p99 ${c.p99Ms.toFixed(1)} ms, max ${c.maxMs.toFixed(1)} ms, from height ${c.startBlock}`,
      );
    });
    r.hostileLoop.forEach((c, i) => {
      const reads = r.hostileReads[i];
      const answers = reads
        ? Object.entries(reads.answers)
            .map(([a, n]) => `${n}x "${a}"`)
            .join(', ')
        : '';
      lines.push(
        `  ${r.target.name.padEnd(5)} #${i + 1} + hostile:   ${c.tps.toFixed(0)} tx/s (${c.count} tx), p50 ${c.p50Ms.toFixed(1)} ms, p99 ${c.p99Ms.toFixed(1)} ms, max ${c.maxMs.toFixed(1)} ms; ` +
          `looping calls: ${reads?.calls ?? 0} answered (${answers}), slowest ${reads?.maxAnswerMs.toFixed(0) ?? '-'} ms`,
      );
    });
  }
  const cpu = renderCpu(runs);
  if (cpu.length) lines.push('', ...cpu);
  const failed = runs.filter((r) => r.target.error);
  if (failed.length) {
    lines.push('');
    for (const r of failed) lines.push(`FAILED ${r.target.name}: ${r.target.error}`);
  }
  return lines.join('\n');
}

/** CPU ms per transfer of each process during the burst, medians over the repeats, roles in first-seen order. */
export function cpuMedians(r: TargetRuns): Record<string, number> {
  const samples = r.burst.flatMap((b) => (b.cpuMsPerTx ? [b.cpuMsPerTx] : []));
  const roles = [...new Set(samples.flatMap((s) => Object.keys(s)))];
  return Object.fromEntries(roles.map((role) => [role, median(samples.map((s) => s[role] ?? 0))]));
}

function renderCpu(runs: TargetRuns[]): string[] {
  const rows = runs.map((r) => ({ name: r.target.name, cpu: cpuMedians(r) })).filter((r) => Object.keys(r.cpu).length > 0);
  if (!rows.length) return [];
  const lines = ['CPU time per burst transfer (ms of user + system time from /proc while the clock ran, median of repeats):'];
  for (const { name, cpu } of rows) {
    const total = Object.values(cpu).reduce((a, b) => a + b, 0);
    const parts = Object.entries(cpu)
      .filter(([, ms]) => ms >= 0.005)
      .map(([role, ms]) => `${role} ${ms.toFixed(2)}`);
    lines.push(`  ${name.padEnd(5)}: ${parts.join(', ')}; total ${total.toFixed(2)}`);
  }
  return lines;
}

export function writeJson(file: string, config: BenchConfig, runs: TargetRuns[]): void {
  const anvil = runs.find((r) => r.target.name === 'anvil');
  const chain = runs.find((r) => r.target.name === 'chain');
  const ratios =
    anvil && chain
      ? Object.fromEntries(
          METRICS.map((m) => {
            const a = median(m.get(anvil));
            const c = median(m.get(chain));
            return [m.key, Number.isFinite(a) && Number.isFinite(c) && a !== 0 ? c / a : null];
          }),
        )
      : undefined;
  const out = {
    date: new Date().toISOString(),
    config,
    targets: runs.map((r) => ({
      name: r.target.name,
      url: r.target.url,
      origin: r.target.origin,
      clientVersion: r.target.clientVersion,
      automine: r.target.automine,
      anvilArgs: r.target.anvilArgs,
      error: r.target.error,
      medians: Object.fromEntries(Object.entries(medians(r)).map(([k, v]) => [k, Number.isFinite(v) ? v : null])),
      burst: r.burst,
      cpuMsPerBurstTx: cpuMedians(r),
      closedLoop: r.closedLoop,
      hostileLoop: r.hostileLoop,
      hostileReads: r.hostileReads,
    })),
    ratiosChainOverAnvil: ratios,
  };
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
}
