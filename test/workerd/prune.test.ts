/**
 * Pruning inside the Sequencer Durable Object (core/sequencer/prune.ts): its alarm prunes blocks
 * D1 holds and L1 executed, and every read of a pruned block is then served by D1 through the
 * Worker, or answered -32000 where the sequencer alone held it (state of a pruned root).
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { historyFloor, type PrunePolicy, stateFloor } from '../../core/sequencer/prune.ts';
import type { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import type { Sequencer } from '../../durable-objects/sequencer.ts';
import { sequencerStub } from '../../workers/env.ts';
import { devAccount } from '../support/accounts.ts';
import { call, result, signedTransfer } from './rpc.ts';

const config = parseChainConfig(env);
const hex = (n: number | bigint) => `0x${n.toString(16)}`;

describe('pruning in the Sequencer Durable Object', () => {
  it('prunes from its alarm, and pruned blocks are served from D1', async () => {
    const stub = sequencerStub(env);
    // A small window for this test (the vars' minimum is 256 blocks of history).
    const policy: PrunePolicy = { historyBlocks: 4, stateBlocks: 2, trieIntervalBlocks: 1, rowsPerStep: 500 };
    const sender = devAccount(6).address;
    const first = checkRawTransaction(await signedTransfer(6, 0), config.chainId, config.blockGasLimit);
    const sealed = await runInDurableObject(stub, async (instance: Sequencer) => {
      Object.assign(instance, { prunePolicy: policy });
      const core = (instance as unknown as { core: SequencerCore }).core;
      core.submit([first]);
      await core.seal(Date.now());
      for (let nonce = 1; nonce < 12; nonce++) {
        core.submit([checkRawTransaction(await signedTransfer(6, nonce), config.chainId, config.blockGasLimit)]);
        await core.seal(Date.now());
      }
      await instance.flushOutbox();
      // Close the open batch by age and call it executed on L1, as settlement would.
      core.batcher.closeIfDue(Date.now() + config.batchMaxAgeMs);
      core.setL1Progress({ committed: core.batcher.lastBatchNumber(), proven: core.batcher.lastBatchNumber(), executed: core.batcher.lastBatchNumber() });
      return { block: Number(core.receipt(first.hash)?.blockNumber), head: Number(core.headNumber) };
    });
    const block = await result<{ hash: string; transactions: string[] }>('eth_getBlockByNumber', [hex(sealed.block), true]);
    const receipts = await result('eth_getBlockReceipts', [hex(sealed.block)]);
    const balance = await result<string>('eth_getBalance', [sender, hex(sealed.block)]);

    await runInDurableObject(stub, (_instance: Sequencer, state) => state.storage.setAlarm(Date.now()));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const floors = await runInDurableObject(stub, async (instance: Sequencer) => {
      const core = (instance as unknown as { core: SequencerCore }).core;
      const afterAlarm = historyFloor(core.sql);
      let steps = 0;
      while ((await instance.prune()) > 0) if (++steps > 1000) throw new Error('pruning does not finish');
      expect(core.block(BigInt(sealed.block), false)).toBeNull();
      return { afterAlarm, history: historyFloor(core.sql), state: stateFloor(core.sql) };
    });
    expect(floors.afterAlarm).toBeGreaterThan(sealed.block);
    expect(floors.history).toBe(sealed.head - policy.historyBlocks + 1);
    expect(floors.state).toBe(sealed.head - policy.stateBlocks + 1);

    // Served by D1, as before pruning.
    expect(await result('eth_getBlockByNumber', [hex(sealed.block), true])).toEqual(block);
    expect(await result('eth_getBlockByHash', [block.hash, true])).toEqual(block);
    expect(await result('eth_getBlockReceipts', [hex(sealed.block)])).toEqual(receipts);
    expect(await result<{ blockNumber: string }>('eth_getTransactionReceipt', [first.hash])).toMatchObject({ blockNumber: hex(sealed.block) });
    expect(await result('rollup_getTransactionStatus', [first.hash])).toEqual({ status: 'included', blockNumber: hex(sealed.block), blockHash: block.hash });
    expect(await result('rollup_getWithdrawalProof', [first.hash])).toEqual({ batchNumber: null, withdrawalsRoot: null, status: 'none', withdrawals: [] });
    expect(await result('eth_getBalance', [sender, hex(sealed.block)])).toBe(balance);
    // Gone for good from the sequencer alone: -32000, as geth answers for state it no longer holds.
    expect((await call('eth_getProof', [sender, [], hex(sealed.block)])).error).toMatchObject({
      code: -32000,
      message: expect.stringMatching(/^missing trie node/),
    });
    expect((await call('eth_feeHistory', ['0x2', hex(sealed.block), [50]])).error).toMatchObject({
      code: -32000,
      message: expect.stringMatching(/pruned from the sequencer/),
    });
    // Recent state proves; fee history starts at the first block kept.
    expect(await result<{ address: string }>('eth_getProof', [sender, [], 'latest'])).toMatchObject({ nonce: '0xc' });
    expect(await result<{ oldestBlock: string }>('eth_feeHistory', ['0x400', 'latest', [50]])).toMatchObject({ oldestBlock: hex(floors.history) });
  });
});
