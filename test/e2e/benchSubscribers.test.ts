/**
 * The bench's WebSocket subscribers (scripts/bench/subscribers.ts): a process of their own at the
 * priority asked for, whose counts and delays come from real notifications of the chain, and whose
 * CPU is measured apart from the chain's (docs/decisions/0026). Dev account 9 (files run one at a
 * time).
 */
import { getPriority } from 'node:os';
import { parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { openSubscribers } from '../../scripts/bench/subscribers.ts';
import { deadline, sleep } from '../../scripts/bench/util.ts';
import { procfsAvailable } from '../../scripts/lib/procfs.ts';
import { freshAddress, rpcUrl, viemClients, waitReceipt } from './helpers.ts';

describe.skipIf(!procfsAvailable)('bench subscribers', () => {
  it('receive every newHeads of the blocks sealed in a window, in a process of their own at the priority asked for', async () => {
    const subs = await openSubscribers(rpcUrl(), 12, 10, deadline('opening 12 sockets', 60_000));
    try {
      expect(subs.pid).not.toBe(process.pid);
      expect(getPriority(subs.pid)).toBe(10);
      subs.reset();
      const { publicClient, wallet } = await viemClients();
      const walletClient = wallet(9);
      for (let i = 0; i < 3; i++) {
        const hash = await walletClient.sendTransaction({ to: freshAddress(), value: parseEther('0.001') });
        await waitReceipt(publicClient, hash);
      }
      let s = await subs.stats();
      for (const until = Date.now() + 30_000; (s.blocks < 3 || s.heads < s.expectedHeads) && Date.now() < until; s = await subs.stats()) await sleep(100);
      expect(s.blocks).toBeGreaterThanOrEqual(3);
      expect(s.closed).toBe(0);
      expect(s.heads).toBe(s.expectedHeads);
      expect(s.heads).toBe(12 * s.blocks);
      expect(s.p50Ms).toBeGreaterThanOrEqual(0);
      expect(s.maxMs).toBeLessThan(30_000);
      expect(s.clientCpuMs).toBeGreaterThanOrEqual(0);
    } finally {
      await subs.close();
    }
    expect(() => process.kill(subs.pid, 0)).toThrow();
  });
});
