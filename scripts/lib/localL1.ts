/**
 * The local L1 for `npm start` and the e2e tests: anvil (from @foundry-rs/anvil) mining a block
 * every second, final two blocks later, with the rollup's contracts deployed for the chain's
 * genesis and the development prover key registered. Returns the Worker vars that switch
 * settlement on.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicClient, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { unstable_readConfig } from 'wrangler';
import { genesisCommitment } from '../../core/batches/batcher.ts';
import { type ChainVars, parseChainConfig } from '../../core/chain/config.ts';
import { buildGenesis } from '../../core/sequencer/genesis.ts';
import { DEV_PROVER_KEY } from '../../workers/prover/key.ts';
import { DEV_OPERATOR_KEY } from '../../workers/settlement/config.ts';
import { devAccounts, devPrivateKey } from '../bench/accounts.ts';
import { type Anvil, startAnvil } from './anvil.ts';
import { deployL1, type L1Deployment } from './l1.ts';
import { DEV_CHAIN_VARS } from './localChain.ts';
import { projectRoot } from './process.ts';

/** anvil's account 0 deploys and owns the contracts locally. */
const deployerKey = (): Hex => devPrivateKey(devAccounts(1)[0]);

export interface LocalL1 extends Anvil {
  deployment: L1Deployment;
  /** Worker vars: L1_RPC_URL, ROLLUP_ADDRESS, BRIDGE_ADDRESS, L1_DEPLOY_BLOCK. */
  vars: Record<string, string>;
}

/** The chain's configuration as the Worker will see it: wrangler.toml's [vars] with the overrides. */
export function workerVars(overrides: Record<string, string> = {}): ChainVars {
  const config = unstable_readConfig({ config: join(projectRoot, 'wrangler.toml') });
  return { ...(config.vars as Record<string, string>), ...overrides };
}

/**
 * Starts anvil and deploys the contracts, or, with `persistDir` holding an earlier run's anvil
 * state and deployment, restarts anvil on that state (the contracts are still there).
 */
export interface LocalL1Options {
  /** Overrides of wrangler.toml's [vars] the chain runs with (its genesis is committed on L1). */
  chainVars?: Record<string, string>;
  /** As startChain's: a development chain (default true: DEV_CHAIN=1, the funded development genesis). */
  devChain?: boolean;
  /** The L1 operator and the registered provers; default the development keys' addresses. */
  operator?: Hex;
  provers?: Hex[];
  persistDir?: string;
  port?: number;
  echo?: boolean;
}

export async function startLocalL1(opts: LocalL1Options = {}): Promise<LocalL1> {
  const stateFile = opts.persistDir ? join(opts.persistDir, 'anvil-state.json') : undefined;
  const deploymentFile = opts.persistDir ? join(opts.persistDir, 'l1-deployment.json') : undefined;
  // anvil's `finalized` block is the head minus 2 * slots in an epoch (32 by default: 64 s at a
  // block a second); one slot makes it the head minus 2, so deposits and settlement transactions
  // are final after 2 s, as settlement needs (core/settlement/settler.ts).
  const args = ['--block-time', '1', '--slots-in-an-epoch', '1', ...(stateFile ? ['--state', stateFile, '--state-interval', '5'] : [])];
  const anvil = await startAnvil({ port: opts.port, args, echo: opts.echo });
  try {
    let deployment: L1Deployment | undefined;
    if (deploymentFile && existsSync(deploymentFile)) {
      const saved = JSON.parse(readFileSync(deploymentFile, 'utf8'), (_, v) =>
        typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v,
      ) as L1Deployment;
      const code = await createPublicClient({ transport: http(anvil.url) }).getCode({ address: saved.rollup });
      if (code && code !== '0x') deployment = saved;
    }
    if (!deployment) {
      const config = parseChainConfig(workerVars({ ...(opts.devChain === false ? {} : DEV_CHAIN_VARS), ...opts.chainVars }));
      const genesis = await buildGenesis(config);
      deployment = await deployL1({
        rpcUrl: anvil.url,
        deployerKey: deployerKey(),
        operator: opts.operator ?? privateKeyToAccount(DEV_OPERATOR_KEY).address,
        provers: opts.provers ?? [privateKeyToAccount(DEV_PROVER_KEY).address],
        threshold: 1,
        l2ChainId: config.chainId,
        genesis: genesisCommitment(genesis.header),
      });
      if (deploymentFile)
        writeFileSync(
          deploymentFile,
          JSON.stringify(deployment, (_, v) => (typeof v === 'bigint' ? `${v}n` : v), 2),
        );
    }
    return {
      ...anvil,
      deployment,
      vars: {
        L1_RPC_URL: anvil.url,
        ROLLUP_ADDRESS: deployment.rollup,
        BRIDGE_ADDRESS: deployment.bridge,
        L1_DEPLOY_BLOCK: deployment.deployBlock.toString(),
      },
    };
  } catch (e) {
    await anvil.stop();
    throw e;
  }
}
