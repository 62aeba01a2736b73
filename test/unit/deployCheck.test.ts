/**
 * `npm run deploy:check` on temporary deploy configurations: the script itself, run as CI and an
 * operator run it (node scripts/deploy-check.ts --config FILE [--secrets FILE]), passes a
 * configuration without development keys or funded genesis and fails each kind of unsafe one,
 * saying why.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNTS } from '../../core/chain/config.ts';
import { projectRoot } from '../../scripts/lib/process.ts';
import { devKey } from '../support/accounts.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'edge-rollup-deploy-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** The project's wrangler.toml with `vars` added to [vars] (main made absolute: the file lives elsewhere). */
function configWith(vars: Record<string, string>): string {
  const toml = readFileSync(join(projectRoot, 'wrangler.toml'), 'utf8')
    .replace(/^main = "(.*)"$/m, (_, main) => `main = ${JSON.stringify(join(projectRoot, main))}`)
    .replace(
      /^\[vars\]$/m,
      `[vars]\n${Object.entries(vars)
        .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
        .join('\n')}`,
    );
  const path = join(dir, `wrangler-${files++}.toml`);
  writeFileSync(path, toml);
  return path;
}

function secretsFile(secrets: Record<string, string>): string {
  const path = join(dir, `secrets-${files++}.vars`);
  writeFileSync(
    path,
    Object.entries(secrets)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  return path;
}

async function deployCheck(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [join(projectRoot, 'scripts', 'deploy-check.ts'), ...args], {
    cwd: projectRoot,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const L1 = {
  L1_RPC_URL: 'https://l1.example',
  ROLLUP_ADDRESS: privateKeyToAccount(generatePrivateKey()).address,
  BRIDGE_ADDRESS: privateKeyToAccount(generatePrivateKey()).address,
};
const proverKey = generatePrivateKey();
const goodSecrets = { PROVER_KEY: proverKey, OPERATOR_KEY: generatePrivateKey() };
const trusted = { TRUSTED_PROVERS: privateKeyToAccount(proverKey).address };

describe('npm run deploy:check', () => {
  it('passes the repository wrangler.toml (as CI runs it)', { timeout: 240_000 }, async () => {
    const r = await deployCheck([]);
    expect(r.stderr).not.toMatch(/not safe|missing from/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/safe to deploy: .*PROVER_KEY and OPERATOR_KEY not seen/);
    expect(r.stdout).toMatch(/deploy check passed/);
  });

  it('passes a settling configuration with fresh keys and its trusted provers', { timeout: 240_000 }, async () => {
    const r = await deployCheck(['--config', configWith({ ...L1, ...trusted }), '--secrets', secretsFile(goodSecrets)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/the secrets given are not development keys/);
    expect(r.stdout).toMatch(/deploy check passed/);
    // Secrets are checked, never printed.
    expect(r.stdout).not.toContain(goodSecrets.PROVER_KEY.slice(2));
    expect(r.stdout).not.toContain(goodSecrets.OPERATOR_KEY.slice(2));
  });

  const failing: [string, () => string[], RegExp][] = [
    ['the dev opt-in in [vars]', () => ['--config', configWith({ DEV_CHAIN: '1' })], /DEV_CHAIN is set in \[vars\]/],
    ['the dev opt-in among the secrets', () => ['--secrets', secretsFile({ ...goodSecrets, DEV_CHAIN: 'true' })], /DEV_CHAIN is set among the secrets/],
    ['a funded genesis', () => ['--config', configWith({ GENESIS_ACCOUNTS: `${DEV_ACCOUNTS[0]}=1` })], /GENESIS_ACCOUNTS funds accounts/],
    [
      'a development prover key (anvil account 9, the local prover)',
      () => ['--secrets', secretsFile({ ...goodSecrets, PROVER_KEY: devKey(9) })],
      /PROVER_KEY is the public development key of account 9/,
    ],
    [
      'a development operator key (anvil account 19, without 0x)',
      () => ['--config', configWith({ ...L1, ...trusted }), '--secrets', secretsFile({ ...goodSecrets, OPERATOR_KEY: devKey(19).slice(2) })],
      /OPERATOR_KEY is the public development key of account 19/,
    ],
    ['a missing prover key', () => ['--secrets', secretsFile({ OPERATOR_KEY: goodSecrets.OPERATOR_KEY })], /PROVER_KEY is not set/],
    [
      'a missing operator key on a settling chain',
      () => ['--config', configWith({ ...L1, ...trusted }), '--secrets', secretsFile({ PROVER_KEY: proverKey })],
      /OPERATOR_KEY is not set/,
    ],
    ['a key written in [vars]', () => ['--config', configWith({ PROVER_KEY: proverKey })], /PROVER_KEY is in \[vars\]/],
    [
      'a development key in [vars], even without --secrets',
      () => ['--config', configWith({ OPERATOR_KEY: devKey(0) })],
      /OPERATOR_KEY is the public development key of account 0/,
    ],
    ['a settling chain without TRUSTED_PROVERS', () => ['--config', configWith(L1), '--secrets', secretsFile(goodSecrets)], /TRUSTED_PROVERS is not set/],
    [
      'a development account among the trusted provers',
      () => ['--config', configWith({ ...L1, TRUSTED_PROVERS: `${trusted.TRUSTED_PROVERS},${DEV_ACCOUNTS[9]}` }), '--secrets', secretsFile(goodSecrets)],
      /TRUSTED_PROVERS lists 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720, account 9/,
    ],
  ];
  for (const [what, args, reason] of failing) {
    it(`fails ${what}`, { timeout: 60_000 }, async () => {
      const r = await deployCheck(args());
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/not safe to deploy/);
      expect(r.stderr).toMatch(reason);
      expect(r.stdout).not.toMatch(/deploy check passed/);
    });
  }
});
