/**
 * deployL1 against an anvil mining a block per second (as `npm start` may run it), with an owner
 * other than the deployer: the transactions go out back to back and land together.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchHash } from '../../core/batches/commitment.ts';
import { bridgeAbi, rollupAbi, verifierAbi } from '../../core/settlement/l1Abi.ts';
import { type Anvil, startAnvil } from '../../scripts/lib/anvil.ts';
import { deployL1, type L1Deployment, l1Clients } from '../../scripts/lib/l1.ts';
import { devAccount, devKey } from '../support/accounts.ts';
import { genesisCommitment } from './helpers.ts';

let anvil: Anvil;
let d: L1Deployment;
const genesis = genesisCommitment();

beforeAll(async () => {
  anvil = await startAnvil({ args: ['--block-time', '1'] });
  d = await deployL1({
    rpcUrl: anvil.url,
    deployerKey: devKey(3),
    owner: devAccount(4).address,
    operator: devAccount(5).address,
    provers: [devAccount(9).address],
    threshold: 1n,
    l2ChainId: 777n,
    genesis,
  });
});

afterAll(async () => {
  await anvil?.stop();
});

describe('deployL1 with anvil --block-time 1', () => {
  it('deploys and wires the three contracts, handing both over to the owner', async () => {
    const { publicClient } = await l1Clients(anvil.url);
    const read = (address: `0x${string}`, abi: typeof rollupAbi | typeof bridgeAbi | typeof verifierAbi, functionName: string, args: unknown[] = []) =>
      // biome-ignore lint/suspicious/noExplicitAny: reads by name; values are asserted
      publicClient.readContract({ address, abi, functionName, args } as any);
    expect(await read(d.rollup, rollupAbi, 'bridge')).toBe(d.bridge);
    expect(await read(d.rollup, rollupAbi, 'verifier')).toBe(d.verifier);
    expect(await read(d.rollup, rollupAbi, 'owner')).toBe(devAccount(4).address);
    expect(await read(d.rollup, rollupAbi, 'operator')).toBe(devAccount(5).address);
    expect(await read(d.rollup, rollupAbi, 'l2ChainId')).toBe(777n);
    expect(await read(d.rollup, rollupAbi, 'storedBatchHash', [0n])).toBe(batchHash(genesis));
    expect(await read(d.bridge, bridgeAbi, 'rollup')).toBe(d.rollup);
    expect(await read(d.verifier, verifierAbi, 'owner')).toBe(devAccount(4).address);
    expect(await read(d.verifier, verifierAbi, 'isProver', [devAccount(9).address])).toBe(true);
    expect(await read(d.verifier, verifierAbi, 'threshold')).toBe(1n);
    expect(d.gasUsed.transferOwnership).toBeGreaterThan(0n);
    expect(d.deployBlock).toBeGreaterThan(0n);
    expect(d.deployBlock).toBeLessThanOrEqual(await publicClient.getBlockNumber());
  });
});
