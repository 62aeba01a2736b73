/**
 * The edge's submission coalescer in plain Node, in front of a real sequencer core: concurrent
 * submissions share calls, each gets its own answer, and a leader that never comes back does not
 * lose or block anyone's transaction.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { SequencerCore, type SubmitResult } from '../../core/sequencer/sequencer.ts';
import type { CheckedTransaction } from '../../core/tx/decodeTransaction.ts';
import { type CoalescerLimits, DEFAULT_LIMITS, SubmitCoalescer, type SubmitPort } from '../../workers/rpc/submitCoalescer.ts';
import { checkedTx } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';

const config = parseChainConfig({ DEV_CHAIN: '1' });
let seq: SequencerCore;
let calls: number[];
let background: Promise<unknown>[];

beforeEach(async () => {
  seq = new SequencerCore(nodeSql(), config);
  await seq.init();
  calls = [];
  background = [];
});

/** A request's port to the sequencer core, with a few ms of call latency as a Durable Object call has. */
function port(opts: { latencyMs?: number; fail?: () => boolean; hang?: boolean } = {}): SubmitPort {
  return {
    submit: async (txs: CheckedTransaction[]): Promise<SubmitResult[]> => {
      calls.push(txs.length);
      if (opts.hang) return new Promise(() => {});
      await sleep(opts.latencyMs ?? 3);
      if (opts.fail?.()) throw new Error('sequencer unavailable');
      return seq.submit(txs);
    },
    knows: async (hash: Hex) => seq.transaction(hash) !== null,
    waitUntil: (p) => background.push(p.catch(() => {})),
  };
}

const limits = (l: Partial<CoalescerLimits>): CoalescerLimits => ({ ...DEFAULT_LIMITS, ...l });
const transfer = (from: number, nonce: number) => checkedTx(config, from, nonce, { to: '0x000000000000000000000000000000000000dEaD', value: 1n, gas: 21_000n });

async function transfers(senders: number, each: number): Promise<CheckedTransaction[]> {
  const out: Promise<CheckedTransaction>[] = [];
  for (let nonce = 0; nonce < each; nonce++) for (let from = 0; from < senders; from++) out.push(transfer(from, nonce));
  return Promise.all(out);
}

describe('submission coalescer', () => {
  it('carries concurrent submissions in a few calls and answers each with its own hash', async () => {
    const txs = await transfers(8, 5);
    const coalescer = new SubmitCoalescer();
    const results = await Promise.all(txs.map((tx) => coalescer.submit(tx, port())));
    expect(results).toEqual(txs.map((tx) => ({ hash: tx.hash })));
    expect(seq.pool.size).toBe(40);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(40);
    expect(calls.length).toBeLessThanOrEqual(3);
    expect([coalescer.calls, coalescer.carried]).toEqual([calls.length, 40]);
    const sealed = await seq.seal(Date.now());
    expect(sealed?.included.length).toBe(40);
  });

  it('sends a lone submission at once, in its own call', async () => {
    const txs = await transfers(1, 3);
    const coalescer = new SubmitCoalescer();
    for (const tx of txs) expect(await coalescer.submit(tx, port())).toEqual({ hash: tx.hash });
    expect(calls).toEqual([1, 1, 1]);
  });

  it('gives each transaction its own refusal without failing the others of its call', async () => {
    const [a, b] = await transfers(2, 1);
    const replay = a;
    const coalescer = new SubmitCoalescer();
    const results = await Promise.all([a, b, replay].map((tx) => coalescer.submit(tx, port())));
    expect(results[0]).toEqual({ hash: a.hash });
    expect(results[1]).toEqual({ hash: b.hash });
    expect(results[2]).toMatchObject({ error: { message: 'already known' } });
    expect(seq.pool.size).toBe(2);
  });

  it('fails every transaction of a failed call, and the next call goes through', async () => {
    const txs = await transfers(4, 1);
    const coalescer = new SubmitCoalescer();
    let failures = 1;
    const flaky = port({ fail: () => failures-- > 0 });
    const first = await Promise.allSettled(txs.slice(0, 3).map((tx) => coalescer.submit(tx, flaky)));
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(seq.pool.size).toBe(0);
    expect(await coalescer.submit(txs[3], flaky)).toEqual({ hash: txs[3].hash });
  });

  it('respects the per-call limits on transactions and bytes', async () => {
    const txs = await transfers(10, 1);
    const byCount = new SubmitCoalescer(limits({ txs: 3 }));
    await Promise.all(txs.slice(0, 5).map((tx) => byCount.submit(tx, port())));
    const bytes = (txs[0].raw.length - 2) / 2;
    const bySize = new SubmitCoalescer(limits({ bytes: 2 * bytes }));
    await Promise.all(txs.slice(5).map((tx) => bySize.submit(tx, port())));
    expect(Math.max(...calls)).toBeLessThanOrEqual(3);
    expect(calls.slice(-3).every((n) => n <= 2)).toBe(true);
    expect(seq.pool.size).toBe(10);
  });

  it('lets a newcomer take the lead from a leader that has led long enough, so no request stays busy for others', async () => {
    const [a, b, c] = await transfers(3, 1);
    const coalescer = new SubmitCoalescer(limits({ leadMs: 10 }));
    const byPort: string[] = [];
    const labelled = (name: string): SubmitPort => {
      const inner = port({ latencyMs: 25 });
      return {
        ...inner,
        submit: (txs) => {
          byPort.push(`${name}:${txs.length}`);
          return inner.submit(txs);
        },
      };
    };
    const answers = [coalescer.submit(a, labelled('a'))];
    await sleep(3);
    answers.push(coalescer.submit(b, labelled('b'))); // a's call is in flight and a has led for less than 10 ms: b waits
    await sleep(15);
    answers.push(coalescer.submit(c, labelled('c'))); // a has led for more than 10 ms: c takes the lead and carries b
    expect(await Promise.all(answers)).toEqual([a, b, c].map((tx) => ({ hash: tx.hash })));
    expect(byPort).toEqual(['a:1', 'c:2']);
    await Promise.all(background);
    expect(byPort).toEqual(['a:1', 'c:2']);
  });

  it('loses nothing when the leading request never comes back: the others send their own', async () => {
    const txs = await transfers(5, 1);
    const coalescer = new SubmitCoalescer(limits({ waitMs: 60 }));
    // The leader's call never answers (its request's context died); the others wait on it, then time out.
    void coalescer.submit(txs[0], port({ hang: true }));
    await sleep(1);
    const rest = await Promise.all(txs.slice(1, 4).map((tx) => coalescer.submit(tx, port())));
    expect(rest).toEqual(txs.slice(1, 4).map((tx) => ({ hash: tx.hash })));
    // Once the stale lead has expired, a newcomer leads again.
    await sleep(70);
    expect(await coalescer.submit(txs[4], port())).toEqual({ hash: txs[4].hash });
    expect(seq.pool.size).toBe(4);
  });
});
