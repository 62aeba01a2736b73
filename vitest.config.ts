import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * e2e files share one chain; proving.test.ts runs last so that its "every block proven, none
 * refused" covers the blocks the other files filled (deployments, reverts, EIP-7702).
 */
class ProvingLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const last = (f: TestSpecification) => (f.moduleId.endsWith('proving.test.ts') ? 1 : 0);
    return sorted.sort((a, b) => last(a) - last(b));
  }
}

// Three projects, one command:
// - unit: the runtime-free core in plain Node, against in-memory ports;
// - workerd: the Worker, the Sequencer Durable Object and D1 inside workerd;
// - e2e: real clients (viem, ethers, cast) against a chain started with `wrangler dev`.
export default defineConfig({
  test: {
    sequence: { sequencer: ProvingLast },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        // DEV_CHAIN: the tests' Worker is a local development chain (funded development accounts,
        // the public prover and operator keys), as `npm start`'s; wrangler.toml never sets it.
        plugins: [cloudflareTest({ wrangler: { configPath: './wrangler.toml' }, miniflare: { bindings: { DEV_CHAIN: '1' } } })],
        test: {
          name: 'workerd',
          include: ['test/workerd/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'l1',
          include: ['test/l1/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
