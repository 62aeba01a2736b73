import { parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { DEV_ACCOUNTS, parseChainConfig } from '../../core/chain/config.ts';
import { lower } from '../../core/chain/hex.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { checkedTx, devAccount } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';

const config = parseChainConfig({ DEV_CHAIN: '1' });

async function newSequencer(sql = nodeSql()) {
  const s = new SequencerCore(sql, config);
  await s.init();
  return s;
}

const transfer = (from: number, to: `0x${string}`, nonce: number, value = parseEther('1')) =>
  checkedTx(config, from, nonce, { to, value, gas: 21_000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000n });

describe('sequencer core in plain Node', () => {
  it('derives the development accounts from the standard mnemonic', () => {
    expect(DEV_ACCOUNTS.map((_, i) => devAccount(i).address)).toEqual(DEV_ACCOUNTS);
  });

  it('seals a block of transfers with exact balances, receipts and a state root', async () => {
    const seq = await newSequencer();
    const genesis = seq.head();
    const to = '0x000000000000000000000000000000000000beef';
    const txs = [await transfer(0, to, 0), await transfer(0, to, 1), await transfer(1, to, 0)];
    const results = seq.submit(txs);
    expect(results).toEqual(txs.map((t) => ({ hash: t.hash })));
    const sealed = await seq.seal(Date.now());
    expect(sealed?.included).toEqual(txs.map((t) => t.hash));
    const head = seq.head();
    expect(head.number).toBe('0x1');
    expect(head.parentHash).toBe(genesis.hash);
    expect(head.stateRoot).not.toBe(genesis.stateRoot);
    expect(BigInt(head.gasUsed)).toBe(63_000n);
    expect(seq.account(to)?.balance).toBe(parseEther('3'));
    const receipt = seq.receipt(txs[1].hash);
    expect(receipt?.status).toBe('0x1');
    expect(receipt?.cumulativeGasUsed).toBe('0xa410');
    const paid = BigInt(receipt?.effectiveGasPrice ?? 0) * 21_000n;
    expect(seq.account(lower(DEV_ACCOUNTS[1]))?.balance).toBe(10_000n * 10n ** 18n - parseEther('1') - paid);
    expect(seq.pendingNonce(lower(DEV_ACCOUNTS[0]))).toBe(2n);
    expect(await seq.seal(Date.now())).toBeNull();
  });

  it('refuses replays, low nonces and unfunded senders without changing state', async () => {
    const seq = await newSequencer();
    const t = await transfer(2, '0x000000000000000000000000000000000000beef', 0);
    seq.submit([t]);
    expect(seq.submit([t])[0]).toEqual({ error: { code: -32000, message: 'already known' } });
    await seq.seal(Date.now());
    const replay = seq.submit([t])[0];
    expect('error' in replay && replay.error.message).toMatch(/^nonce too low/);
    const rich = await transfer(3, '0x000000000000000000000000000000000000beef', 0, parseEther('20000'));
    const poor = seq.submit([rich])[0];
    expect('error' in poor && poor.error.message).toMatch(/^insufficient funds/);
    expect(seq.pool.size).toBe(0);
    expect(seq.head().number).toBe('0x1');
  });

  it('restores head, state and pool from SQLite after a restart', async () => {
    const sql = nodeSql();
    const first = await newSequencer(sql);
    const a = await transfer(4, '0x000000000000000000000000000000000000beef', 0);
    const b = await transfer(4, '0x000000000000000000000000000000000000beef', 1);
    first.submit([a]);
    await first.seal(Date.now());
    first.submit([b]);
    const second = await newSequencer(sql);
    expect(second.head().hash).toBe(first.head().hash);
    expect(second.pool.get(b.hash)).toBeDefined();
    await second.seal(Date.now());
    expect(second.receipt(b.hash)?.status).toBe('0x1');
    expect(second.account('0x000000000000000000000000000000000000beef')?.balance).toBe(parseEther('2'));
  });
});
