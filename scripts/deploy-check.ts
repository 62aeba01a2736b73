/**
 * `npm run deploy:check`: refuses a configuration that must not hold value (the local-development
 * opt-in, a funded genesis, secrets in [vars], development keys), then builds the Worker exactly as
 * `wrangler deploy` would (`--dry-run`), prints Wrangler's binding table, then the triggers the
 * table leaves out (queue consumers and cron schedules), and fails if any part of the chain is not
 * declared. `--help` says what it can and cannot see.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, parseEnv } from 'node:util';
import { unstable_readConfig } from 'wrangler';
import { type DeploymentVars, deploymentProblems } from '../core/deployment/safety.ts';
import { bin, projectRoot } from './lib/process.ts';

const HELP = `usage: npm run deploy:check [-- --config FILE] [-- --secrets FILE]

Checks a deploy configuration, then runs \`wrangler deploy --dry-run\` on it and checks that every
binding and trigger of the chain is declared. Exits 1 on any problem.

What it sees: the [vars] of the Wrangler configuration, and the secrets only if given a file. Secrets
live on Cloudflare (\`wrangler secret put\`), not in wrangler.toml, and Wrangler cannot read their
values back, so without --secrets PROVER_KEY and OPERATOR_KEY are not checked here; the deployed
Worker checks them itself and refuses to prove or settle without good ones (GET /status, "deployment").

It fails when:
  - DEV_CHAIN (the local-development opt-in) is in [vars] or in the secrets file;
  - the genesis funds accounts (GENESIS_ACCOUNTS with a balance): L2 ETH must come from deposits;
  - PROVER_KEY or OPERATOR_KEY is written in [vars] (they are secrets);
  - with --secrets: PROVER_KEY is missing, malformed or a public development key (the first 20
    accounts of "test test ... junk" and every key this repository ships), and so is OPERATOR_KEY
    when given or when L1 settlement is configured (L1_RPC_URL, ROLLUP_ADDRESS, BRIDGE_ADDRESS);
  - L1 settlement is configured (or TRUSTED_PROVERS given) and TRUSTED_PROVERS is missing, not a
    list of addresses, or lists a development account.

  --config FILE   the Wrangler configuration (default wrangler.toml of the project)
  --secrets FILE  the secrets the deployment will have, in .dev.vars format (NAME=value lines);
                  checked, never printed
  --help          this text`;

const { values } = parseArgs({
  options: { config: { type: 'string' }, secrets: { type: 'string' }, help: { type: 'boolean', default: false } },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const configPath = resolve(values.config ?? join(projectRoot, 'wrangler.toml'));
const config = unstable_readConfig({ config: configPath });
const secrets = values.secrets ? parseEnv(readFileSync(resolve(values.secrets), 'utf8')) : null;
const problems = deploymentProblems(config.vars as DeploymentVars, secrets as Record<string, string> | null);
if (problems.length > 0) {
  console.error(`not safe to deploy (${configPath}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(
  secrets
    ? 'safe to deploy: no development opt-in, an empty genesis, and the secrets given are not development keys'
    : 'safe to deploy: no development opt-in, an empty genesis, no secret in [vars] (PROVER_KEY and OPERATOR_KEY not seen: --secrets FILE checks them)',
);

const outdir = mkdtempSync(join(tmpdir(), 'edge-rollup-dry-run-'));
try {
  const output = execFileSync(bin('wrangler'), ['deploy', '--dry-run', '--config', configPath, '--outdir', outdir], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  process.stdout.write(output);
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
    process.exitCode = 1;
  } else {
    console.log(`deploy check passed: ${required.map(([name]) => name).join(', ')}`);
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
