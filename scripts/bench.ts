/**
 * `npm run bench`: our chain against anvil in the same run (burst and closed-loop transfer loads).
 * See `node scripts/bench.ts --help`. The pieces live in scripts/bench/.
 */
import { resolve } from 'node:path';
import { chainIdOf, derivedAccount, fundAccounts } from './bench/accounts.ts';
import { HELP, parseArgs, UsageError } from './bench/args.ts';
import { runBurst } from './bench/burst.ts';
import { runClosedLoop } from './bench/closedLoop.ts';
import { cpuSnapshot } from './bench/cpu.ts';
import { startHostileReaders } from './bench/hostileReads.ts';
import { provingFigures, provingStatus, renderProving } from './bench/proving.ts';
import { type BenchConfig, renderReport, type TargetRuns, writeJson } from './bench/report.ts';
import { renderSettlement, settlementFigures } from './bench/settlement.ts';
import { openSubscribers, type SubscriberStats } from './bench/subscribers.ts';
import { blockHeight, Cleanup, killTrackedSync, restartAnvil, startTargets, stopOwnChildren } from './bench/targets.ts';
import { deadline, median, sleep } from './bench/util.ts';
import { procfsAvailable } from './lib/procfs.ts';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<number> {
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = parseArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }

  const cleanup = new Cleanup();
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the processes started by this run`);
    void (async () => {
      await cleanup.run();
      await stopOwnChildren();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killTrackedSync);

  try {
    const timeoutMs = opts.timeoutS * 1000;
    const targets = await startTargets(
      { targets: opts.targets, url: opts.url, anvilArgs: opts.anvilArgs, echo: opts.echo, keepData: opts.keepData, log },
      cleanup,
    );
    const runs: TargetRuns[] = targets.map((target) => ({ target, burst: [], closedLoop: [], hostileLoop: [], hostileReads: [] }));
    const senders = Array.from({ length: opts.senders }, (_, i) => derivedAccount(opts.seed, 'sender', i));
    const clients = Array.from({ length: opts.clients }, (_, i) => derivedAccount(opts.seed, 'client', i));
    const sink = derivedAccount(opts.seed, 'sink', 0).address;
    const chainIds = new Map<string, number>();
    /** The chain's loads run again with --subscribers sockets open, per repeat. */
    const subscribed: {
      burstTps: number[];
      transfers: number[];
      loopP50: number[];
      burst: SubscriberStats[];
      loop: SubscriberStats[];
      cpu: Record<string, number>[];
    } = {
      burstTps: [],
      transfers: [],
      loopP50: [],
      burst: [],
      loop: [],
      cpu: [],
    };

    const live = () => runs.filter((r) => !r.target.error);
    const guard = async (r: TargetRuns, phase: string, fn: () => Promise<void>) => {
      if (r.target.error) return;
      try {
        await fn();
      } catch (e) {
        r.target.error = `${phase}: ${(e as Error).message}`;
        log(`${r.target.name} FAILED in ${phase}: ${(e as Error).message}`);
      }
    };

    const funded = new Set<TargetRuns>();
    /** Targets that ran a phase since they were (re)started and funded. */
    const used = new Set<TargetRuns>();
    const fund = async (r: TargetRuns) => {
      const url = r.target.url;
      chainIds.set(url, await chainIdOf(url));
      await fundAccounts(
        url,
        [...senders, ...clients].map((a) => a.address),
        {
          amountEth: opts.fundEth,
          pollMs: opts.pollMs,
          deadline: deadline(`funding ${senders.length + clients.length} accounts on ${r.target.name}`, timeoutMs),
          log: (line) => log(`${r.target.name}: ${line}`),
        },
      );
      funded.add(r);
    };
    const freshAnvil = (r: TargetRuns) => opts.freshAnvil && r.target.name === 'anvil' && r.target.origin === 'started';
    /** Before each phase: a fresh anvil (unless BENCH_ANVIL_FRESH=0), funded senders everywhere. */
    const prepare = async (r: TargetRuns, phase: string) => {
      if (freshAnvil(r) && used.has(r)) {
        await restartAnvil(r.target, { echo: opts.echo }, cleanup);
        funded.delete(r);
        used.delete(r);
      }
      if (!funded.has(r)) await fund(r);
      used.add(r);
      log(`${r.target.name}: ${phase} at height ${await blockHeight(r.target.url)}`);
    };

    await Promise.all(
      live().map((r) =>
        guard(r, 'funding', async () => {
          await fund(r);
          log(`${r.target.name}: chain id ${chainIds.get(r.target.url)}, ${r.target.clientVersion}${r.target.automine ? ', automine' : ''}`);
        }),
      ),
    );

    /** One burst of `transfers` from the senders against `r`, its CPU measured when `measureCpu`. */
    const burst = (r: TargetRuns, phase: string, transfers: number, measureCpu: boolean) =>
      runBurst(r.target.url, {
        chainId: chainIds.get(r.target.url) as number,
        senders,
        sink,
        transfers,
        pollMs: opts.pollMs,
        deadline: deadline(`${phase} on ${r.target.name}`, timeoutMs),
        cpu: measureCpu && r.target.cpuRoles && procfsAvailable ? () => cpuSnapshot(r.target.cpuRoles?.() ?? {}) : undefined,
      });

    // One unmeasured burst per target: the chain's V8 runtimes and the client's compile their
    // hot paths here rather than in the first measured burst.
    if (opts.warmup > 0) {
      for (const r of live()) {
        await guard(r, 'warm-up', async () => {
          await prepare(r, 'warm-up');
          const res = await burst(r, 'warm-up burst', opts.warmup, false);
          log(`${r.target.name} warm-up: ${opts.warmup} transfers, ${res.tps.toFixed(0)} tx/s (not counted)`);
        });
      }
    }

    const chainRun = live().find((r) => r.target.name === 'chain');
    const provingStart = chainRun ? await provingStatus(chainRun.target.url).catch(() => undefined) : undefined;
    const runStartedAt = performance.now();

    for (let rep = 1; rep <= opts.repeat; rep++) {
      for (const r of live()) {
        await guard(r, `burst #${rep}`, async () => {
          await prepare(r, `burst #${rep}`);
          const res = await burst(r, `burst #${rep}`, opts.transfers, true);
          r.burst.push(res);
          log(
            `${r.target.name} burst #${rep}: ${res.tps.toFixed(0)} tx/s (last send ${res.sendMs.toFixed(0)} ms, last receipt ${res.totalMs.toFixed(0)} ms, ${res.blocks} blocks)`,
          );
        });
      }
      const closedLoop = (r: TargetRuns, phase: string) =>
        runClosedLoop(r.target.url, {
          chainId: chainIds.get(r.target.url) as number,
          clients,
          sink,
          durationS: opts.durationS,
          pollMs: opts.pollMs,
          receipts: opts.receipts,
          receiptTimeoutMs: timeoutMs,
          deadline: deadline(`${phase} on ${r.target.name}`, opts.durationS * 1000 + timeoutMs),
        });
      for (const r of live()) {
        await guard(r, `closed loop #${rep}`, async () => {
          await prepare(r, `closed loop #${rep}`);
          const res = await closedLoop(r, `closed loop #${rep}`);
          r.closedLoop.push(res);
          log(`${r.target.name} closed loop #${rep}: ${res.tps.toFixed(0)} tx/s, p50 ${res.p50Ms.toFixed(1)} ms, p99 ${res.p99Ms.toFixed(1)} ms`);
        });
      }
      const chain = live().find((r) => r.target.name === 'chain');
      if (opts.subscribers > 0 && chain) {
        await guard(chain, `loads with ${opts.subscribers} subscribers #${rep}`, async () => {
          await prepare(chain, `burst and closed loop with ${opts.subscribers} WebSocket subscribers #${rep}`);
          const subs = await openSubscribers(
            chain.target.url,
            opts.subscribers,
            opts.subscriberPriority,
            deadline(`opening ${opts.subscribers} sockets`, timeoutMs),
          );
          try {
            subs.reset();
            const b = await burst(chain, `burst with subscribers #${rep}`, opts.transfers, true);
            await sleep(1000);
            const bs = await subs.stats();
            subs.reset();
            const l = await closedLoop(chain, `closed loop with subscribers #${rep}`);
            await sleep(1000);
            const ls = await subs.stats();
            subscribed.burstTps.push(b.tps);
            subscribed.transfers.push(b.transfers);
            if (b.cpuMsPerTx) subscribed.cpu.push(b.cpuMsPerTx);
            subscribed.loopP50.push(l.p50Ms);
            subscribed.burst.push(bs);
            subscribed.loop.push(ls);
            log(
              `chain with ${opts.subscribers} subscribers #${rep}: burst ${b.tps.toFixed(0)} tx/s, seal to subscriber p50 ${bs.p50Ms.toFixed(1)} ms p99 ${bs.p99Ms.toFixed(1)} ms ` +
                `(${bs.heads}/${bs.expectedHeads} heads, ${bs.closed} closed); closed loop p50 ${l.p50Ms.toFixed(1)} ms, seal to subscriber p50 ${ls.p50Ms.toFixed(1)} ms p99 ${ls.p99Ms.toFixed(1)} ms`,
            );
          } finally {
            await subs.close();
          }
        });
      }
      if (opts.hostileReaders > 0) {
        for (const r of live()) {
          await guard(r, `closed loop with hostile reads #${rep}`, async () => {
            await prepare(r, `closed loop with ${opts.hostileReaders} hostile readers #${rep}`);
            const readers = startHostileReaders(
              r.target.url,
              opts.hostileReaders,
              deadline(`hostile readers on ${r.target.name}`, opts.durationS * 1000 + timeoutMs * 2),
            );
            const res = await closedLoop(r, `closed loop with hostile reads #${rep}`).finally(() => undefined);
            const reads = await readers.stop();
            r.hostileLoop.push(res);
            r.hostileReads.push(reads);
            log(
              `${r.target.name} closed loop with hostile reads #${rep}: ${res.tps.toFixed(0)} tx/s, p50 ${res.p50Ms.toFixed(1)} ms, p99 ${res.p99Ms.toFixed(1)} ms; ` +
                `${reads.calls} looping calls answered (${Object.entries(reads.answers)
                  .map(([a, n]) => `${n}x ${a}`)
                  .join(', ')}), slowest ${reads.maxAnswerMs.toFixed(0)} ms`,
            );
          });
        }
      }
    }

    const config: BenchConfig = {
      transfers: opts.transfers,
      warmup: opts.warmup,
      senders: opts.senders,
      clients: opts.clients,
      durationS: opts.durationS,
      repeat: opts.repeat,
      pollMs: opts.pollMs,
      receipts: opts.receipts,
      freshAnvil: opts.freshAnvil,
      hostileReaders: opts.hostileReaders,
    };
    process.stdout.write(`${renderReport(config, runs)}\n`);
    if (chainRun && subscribed.burst.length > 0) {
      const cpuLine = (snaps: Record<string, number>[]) =>
        snaps.length === 0
          ? 'n/a'
          : Object.keys(snaps[0])
              .map((role) => `${role} ${median(snaps.map((x) => x[role] ?? 0)).toFixed(2)}`)
              .join(', ');
      const pct = (s: SubscriberStats[], k: 'p50Ms' | 'p99Ms') => median(s.map((x) => x[k])).toFixed(1);
      const without = median(chainRun.burst.map((b) => b.tps));
      const withSubs = median(subscribed.burstTps);
      const got = (s: SubscriberStats[]) => `${s.reduce((n, x) => n + x.heads, 0)}/${s.reduce((n, x) => n + x.expectedHeads, 0)}`;
      /**
       * CPU per notification in the bursts: the subscribers' own process (not the chain's), and the
       * rise of the edge's (where the hubs run locally) over the bursts without subscribers.
       */
      const perNotification = (): string[] => {
        const notes = subscribed.burst.map((s) => s.heads + s.logs);
        const clientUs = subscribed.burst.flatMap((s, i) => (s.clientCpuMs !== undefined && notes[i] > 0 ? [(s.clientCpuMs * 1000) / notes[i]] : []));
        const edgeWithout = median(chainRun.burst.flatMap((b) => (b.cpuMsPerTx?.edge !== undefined ? [b.cpuMsPerTx.edge] : [])));
        const hubUs = subscribed.cpu.flatMap((c, i) =>
          c.edge !== undefined && notes[i] > 0 && Number.isFinite(edgeWithout) ? [((c.edge - edgeWithout) * 1000 * subscribed.transfers[i]) / notes[i]] : [],
        );
        const priority = opts.subscriberPriority === 'idle' ? 'SCHED_IDLE' : `niceness ${opts.subscriberPriority}`;
        return [
          `  notifications per burst   ${median(notes).toFixed(0)} (${(median(notes) / median(subscribed.transfers)).toFixed(1)} per transfer)`,
          `  CPU per notification      hubs (edge's rise over the run without) ${hubUs.length ? median(hubUs).toFixed(1) : 'n/a'} us; subscriber clients (own process, ${priority}, not counted above) ${clientUs.length ? median(clientUs).toFixed(1) : 'n/a'} us`,
        ];
      };
      process.stdout.write(
        `${[
          '',
          `WebSocket subscribers (chain; ${opts.subscribers} sockets with newHeads, ${Math.ceil(opts.subscribers / 10)} also with logs; medians of ${subscribed.burst.length}):`,
          `  burst throughput          ${without.toFixed(0)} tx/s without, ${withSubs.toFixed(0)} tx/s with (${((withSubs / without) * 100).toFixed(1)}%)`,
          `  closed loop p50           ${median(chainRun.closedLoop.map((c) => c.p50Ms)).toFixed(1)} ms without, ${median(subscribed.loopP50).toFixed(1)} ms with`,
          `  seal to subscriber        burst p50 ${pct(subscribed.burst, 'p50Ms')} ms, p99 ${pct(subscribed.burst, 'p99Ms')} ms; closed loop p50 ${pct(subscribed.loop, 'p50Ms')} ms, p99 ${pct(subscribed.loop, 'p99Ms')} ms`,
          `  CPU per burst transfer    ${cpuLine(chainRun.burst.flatMap((b) => (b.cpuMsPerTx ? [b.cpuMsPerTx] : [])))} without; ${cpuLine(subscribed.cpu)} with`,
          `  newHeads received         ${got(subscribed.burst)} in the bursts, ${got(subscribed.loop)} in the closed loops; sockets closed by the chain: ${[...subscribed.burst, ...subscribed.loop].reduce((n, x) => n + x.closed, 0)}`,
          ...perNotification(),
        ].join('\n')}\n`,
      );
    }
    if (chainRun && provingStart && !chainRun.target.error) {
      log('chain: waiting for the proving lag to reach zero ...');
      const proving = await provingFigures(chainRun.target.url, provingStart, runStartedAt, timeoutMs);
      process.stdout.write(`\n${renderProving(proving)}\n`);
      if (!proving.drained) chainRun.target.error = 'proving lag did not reach zero';
    }
    if (chainRun?.target.l1 && !chainRun.target.error) {
      log('chain: waiting until every closed batch is executed on its L1 ...');
      const settlement = await settlementFigures(chainRun.target.url, chainRun.target.l1, timeoutMs);
      process.stdout.write(`\n${renderSettlement(settlement)}\n`);
      if (!settlement.settled) chainRun.target.error = 'batches were not all executed on L1';
    }
    if (opts.json) {
      const file = resolve(opts.json);
      writeJson(file, config, runs);
      log(`results written to ${file}`);
    }
    const failed = runs.filter((r) => r.target.error);
    return failed.length ? 1 : 0;
  } finally {
    if (!stopping) await cleanup.run();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
