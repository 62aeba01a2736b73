/**
 * `npm run deploy:check`: builds the Worker exactly as `wrangler deploy` would (`--dry-run`),
 * prints Wrangler's binding table, then the triggers the table leaves out (queue consumers and
 * cron schedules), and fails if any part of the chain is not declared.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unstable_readConfig } from 'wrangler';
import { bin, projectRoot } from './lib/process.ts';

if (process.argv.includes('--help')) {
  console.log('usage: npm run deploy:check\n\nRuns `wrangler deploy --dry-run` and checks that every binding and trigger of the chain is declared.');
  process.exit(0);
}

const outdir = mkdtempSync(join(tmpdir(), 'edge-rollup-dry-run-'));
try {
  const output = execFileSync(bin('wrangler'), ['deploy', '--dry-run', '--outdir', outdir], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  process.stdout.write(output);
  const config = unstable_readConfig({ config: join(projectRoot, 'wrangler.toml') });
  const consumers = config.queues.consumers ?? [];
  const crons = config.triggers.crons ?? [];
  console.log('Triggers:');
  for (const c of consumers)
    console.log(
      `  queue consumer   ${c.queue} (batch ${c.max_batch_size}, retries ${c.max_retries ?? 'default'}, dead letters to ${c.dead_letter_queue ?? 'none'})`,
    );
  for (const c of crons as string[]) console.log(`  cron             ${c}`);
  const required: [string, boolean][] = [
    ['Sequencer Durable Object', /env\.SEQUENCER \(Sequencer\)\s+Durable Object/.test(output)],
    ['Settlement Durable Object', /env\.SETTLEMENT \(Settlement\)\s+Durable Object/.test(output)],
    ['Simulator Durable Object', /env\.SIMULATOR \(Simulator\)\s+Durable Object/.test(output)],
    [
      'SubscriptionHub Durable Object (WebSockets, filters) with its migration',
      /env\.HUB \(SubscriptionHub\)\s+Durable Object/.test(output) &&
        (config.migrations ?? []).some((m: { new_sqlite_classes?: string[] }) => m.new_sqlite_classes?.includes('SubscriptionHub')),
    ],
    ['rate limits per address and per API key', (config.ratelimits ?? []).length >= 2],
    ['D1 index database', /env\.INDEX_DB .*D1 Database/.test(output)],
    ['D1 state shards', /env\.STATE_SHARD_0 .*D1 Database/.test(output) && /env\.STATE_SHARD_1 .*D1 Database/.test(output)],
    ['R2 trace bucket', /env\.TRACES .*R2 Bucket/.test(output)],
    ['proving queue producer', /env\.PROVING_QUEUE .*Queue/.test(output)],
    ['proving queue consumer', consumers.some((c: { queue: string }) => c.queue === 'edge-rollup-proving')],
    ['dead-letter queue consumer', consumers.some((c: { queue: string }) => c.queue === 'edge-rollup-proving-dlq')],
    ['cron trigger', crons.length > 0],
  ];
  const missing = required.filter(([, ok]) => !ok).map(([name]) => name);
  if (missing.length > 0) {
    console.error(`missing from the deployment: ${missing.join(', ')}`);
    process.exit(1);
  }
  console.log(`deploy check passed: ${required.map(([name]) => name).join(', ')}`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
