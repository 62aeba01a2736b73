/**
 * The Simulator Durable Object inside workerd: eth_call reads state from the D1 index once the
 * outbox has flushed (and from the sequencer's unindexed blocks before), and an evicted simulator
 * rebuilds its view on the next call.
 */
import { evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sequencerStub } from '../../workers/env.ts';
import { devAccount } from '../support/accounts.ts';
import { result, signedTransfer, waitForReceipt } from './rpc.ts';

/** Init code returning the runtime CALLER BALANCE PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN. */
const BALANCE_OF_CALLER_INIT = '0x600a80600b6000396000f3333160005260206000f3';
const WATCHED = '0x00000000000000000000000000000000000a11ce';

describe('simulator Durable Object in workerd', () => {
  it('answers calls from the sequencer feed before indexing and from D1 after, and survives eviction', async () => {
    const sequencer = sequencerStub(env);
    const deploy = await devAccount(4).signTransaction({
      chainId: 31337,
      type: 'eip1559',
      nonce: 0,
      data: BALANCE_OF_CALLER_INIT,
      gas: 100_000n,
      maxFeePerGas: 3_000_000_000n,
      maxPriorityFeePerGas: 1_000_000n,
    });
    const deployed = await waitForReceipt(await result<string>('eth_sendRawTransaction', [deploy]));
    const contract = deployed.contractAddress as string;
    const balanceSeen = async (tag: unknown) => BigInt(await result<string>('eth_call', [{ from: WATCHED, to: contract }, tag]));

    expect(await balanceSeen('latest')).toBe(0n);
    const sent = await waitForReceipt(await result<string>('eth_sendRawTransaction', [await signedTransfer(4, 1, WATCHED)]));
    // Right after the receipt, whether or not the outbox has flushed: read-your-writes.
    expect(await balanceSeen('latest')).toBe(10n ** 15n);

    await sequencer.flushOutbox();
    const feed = await sequencer.unindexed(-1, 16);
    expect(feed.floor).toBe(feed.head);
    expect(feed.blocks).toEqual([]);
    // Everything is in D1 now: the simulator reads the shards, at the head and at older blocks.
    expect(await balanceSeen('latest')).toBe(10n ** 15n);
    expect(await balanceSeen(deployed.blockNumber)).toBe(0n);
    expect(await balanceSeen(sent.blockNumber)).toBe(10n ** 15n);

    for (let i = 0; i < 4; i++) {
      const simulator = env.SIMULATOR.get(env.SIMULATOR.idFromName(`simulator-${i}`));
      await simulator.load();
      await evictDurableObject(simulator);
    }
    expect(await balanceSeen('latest')).toBe(10n ** 15n);
    const estimate = await result<string>('eth_estimateGas', [{ from: WATCHED, to: contract }]);
    expect(BigInt(estimate)).toBeGreaterThan(21_000n);
  });
});
