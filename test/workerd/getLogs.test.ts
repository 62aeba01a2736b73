/**
 * eth_getLogs through the Worker's fetch handler, with the Sequencer Durable Object and D1 inside
 * workerd: the filter's limits, the largest filter against D1's bound-parameter limit, blocks not yet
 * indexed answered by the Sequencer in one call, and a failed D1 read answering -32000.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { encodeFunctionData, keccak256, pad, parseAbi, parseEther, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { DEPOSIT_EVENT_TOPIC, DEPOSIT_LOG_ADDRESS } from '../../core/bridge/depositTx.ts';
import { L2_WITHDRAWALS_ADDRESS, WITHDRAWAL_EVENT_TOPIC } from '../../core/bridge/withdrawals.ts';
import { MAX_LOG_ADDRESSES, MAX_LOG_TOPIC_ALTERNATIVES } from '../../core/chain/logFilter.ts';
import type { RpcLog } from '../../core/chain/types.ts';
import { MAX_UNINDEXED_LOG_BLOCKS } from '../../core/sequencer/logs.ts';
import type { SequencerCore } from '../../core/sequencer/sequencer.ts';
import type { Sequencer } from '../../durable-objects/sequencer.ts';
import { sequencerStub } from '../../workers/env.ts';
import { devAccount } from '../support/accounts.ts';
import { call, result } from './rpc.ts';

const withdrawAbi = parseAbi(['function withdraw(address l1Recipient) payable returns (uint256)']);
const sender = devAccount(1);
const recipient = devAccount(2).address;
let nonce = 0;

/** A withdrawal of 0.001 ETH from `sender`, sealed: its block number and its one log. */
async function withdraw(): Promise<{ block: bigint; log: RpcLog }> {
  const raw = await sender.signTransaction({
    chainId: 31337,
    type: 'eip1559',
    to: L2_WITHDRAWALS_ADDRESS,
    value: parseEther('0.001'),
    data: encodeFunctionData({ abi: withdrawAbi, functionName: 'withdraw', args: [recipient] }),
    nonce: nonce++,
    gas: 100_000n,
    maxFeePerGas: 3_000_000_000n,
    maxPriorityFeePerGas: 1_000_000n,
  });
  const receipt = await result<{ blockNumber: string; logs: RpcLog[] }>('eth_sendRawTransactionSync', [raw]);
  expect(receipt.logs).toHaveLength(1);
  return { block: BigInt(receipt.blockNumber), log: receipt.logs[0] };
}

const hex = (n: bigint) => `0x${n.toString(16)}`;
const filler = (i: number, kind: string) => keccak256(toHex(`${kind} ${i}`));
const indexedHead = async () => (await env.INDEX_DB.prepare('SELECT number FROM indexed_head').first<{ number: number }>())?.number ?? -1;

describe('eth_getLogs in workerd', () => {
  it('refuses filters past the limits with -32602', async () => {
    const addresses = Array.from({ length: MAX_LOG_ADDRESSES + 1 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`);
    expect((await call('eth_getLogs', [{ address: addresses }])).error).toEqual({
      code: -32602,
      message: `exceed max addresses: at most ${MAX_LOG_ADDRESSES} per filter`,
    });
    const alternatives = Array.from({ length: MAX_LOG_TOPIC_ALTERNATIVES + 1 }, (_, i) => filler(i, 'topic'));
    expect((await call('eth_getLogs', [{ topics: [null, alternatives] }])).error).toEqual({
      code: -32602,
      message: `exceed max topics: at most ${MAX_LOG_TOPIC_ALTERNATIVES} alternatives per topic position`,
    });
    expect((await call('eth_getLogs', [{ topics: [null, null, null, null, null] }])).error).toEqual({
      code: -32602,
      message: 'exceed max topics: at most 4 positions',
    });
  });

  it('answers the largest filter from D1, within its bound-parameter limit', async () => {
    const { block, log } = await withdraw();
    await sequencerStub(env).flushOutbox();
    expect(await indexedHead()).toBeGreaterThanOrEqual(Number(block));
    // D1 refuses a statement with more than 100 bound parameters, as in production...
    const tooMany = Array.from({ length: 101 }, (_, i) => i);
    await expect(
      env.INDEX_DB.prepare(`SELECT ${tooMany.map(() => '?').join(', ')}`)
        .bind(...tooMany)
        .all(),
    ).rejects.toThrow(/too many SQL variables/i);
    // ...and the largest filter allowed stays within it.
    const addresses = [L2_WITHDRAWALS_ADDRESS, ...Array.from({ length: MAX_LOG_ADDRESSES - 1 }, (_, i) => filler(i, 'address').slice(0, 42))];
    const position = (real: string, kind: string) => [real, ...Array.from({ length: MAX_LOG_TOPIC_ALTERNATIVES - 1 }, (_, i) => filler(i, kind))];
    const topics = [position(WITHDRAWAL_EVENT_TOPIC, 't0'), position(log.topics[1], 't1'), position(log.topics[2], 't2'), position(log.topics[3], 't3')];
    const logs = await result<RpcLog[]>('eth_getLogs', [{ address: addresses, topics, fromBlock: '0x0', toBlock: hex(block) }]);
    expect(logs).toEqual([log]);
    expect(topics.flat()).toHaveLength(4 * MAX_LOG_TOPIC_ALTERNATIVES);
    expect(addresses).toHaveLength(MAX_LOG_ADDRESSES);
  });

  it('serves blocks not yet indexed from the Sequencer, and answers -32000 when the D1 read fails', async () => {
    const stub = sequencerStub(env);
    const first = await withdraw();
    await stub.flushOutbox();
    expect(await indexedHead()).toBeGreaterThanOrEqual(Number(first.block));
    // Without the logs table, D1 takes no more blocks and fails every log read.
    await env.INDEX_DB.exec('ALTER TABLE logs RENAME TO logs_away');
    try {
      const second = await withdraw();
      await stub.flushOutbox();
      expect(await indexedHead()).toBeLessThan(Number(second.block));
      const filter = { address: L2_WITHDRAWALS_ADDRESS, topics: [WITHDRAWAL_EVENT_TOPIC] };
      expect(await result<RpcLog[]>('eth_getLogs', [{ ...filter, fromBlock: hex(second.block), toBlock: 'latest' }])).toEqual([second.log]);
      expect(await result<RpcLog[]>('eth_getLogs', [{ ...filter, blockHash: second.log.blockHash }])).toEqual([second.log]);
      expect((await call('eth_getLogs', [{ ...filter, fromBlock: hex(first.block), toBlock: 'latest' }])).error).toEqual({
        code: -32000,
        message: 'log index unavailable: retry later',
      });
    } finally {
      await env.INDEX_DB.exec('ALTER TABLE logs_away RENAME TO logs');
    }
    await stub.flushOutbox();
    const all = await result<RpcLog[]>('eth_getLogs', [{ address: L2_WITHDRAWALS_ADDRESS, fromBlock: hex(first.block), toBlock: 'latest' }]);
    expect(all.map((l) => l.topics[1])).toEqual([first.log.topics[1], pad(toHex(BigInt(first.log.topics[1]) + 1n))]);
  });

  it(`answers -32005 for a range reaching more than ${MAX_UNINDEXED_LOG_BLOCKS} blocks not yet indexed`, async () => {
    // Without its head row, the index counts as empty and takes no more blocks: every block is "not indexed yet".
    await env.INDEX_DB.exec('ALTER TABLE indexed_head RENAME TO indexed_head_away');
    try {
      // Deposit-only blocks, sealed by the core inside the Durable Object: one block per seal, nothing to sign.
      await runInDurableObject(sequencerStub(env), async (instance: Sequencer) => {
        const core = (instance as unknown as { core: SequencerCore }).core;
        for (let i = 0; i < Number(MAX_UNINDEXED_LOG_BLOCKS); i++) {
          core.addPriorityOps([{ index: core.priorityQueue.known(), l1Sender: sender.address, l2Recipient: recipient, amount: 1n }]);
          await core.seal(Date.now());
        }
      });
      const head = BigInt(await result<string>('eth_blockNumber'));
      expect(head).toBeGreaterThanOrEqual(MAX_UNINDEXED_LOG_BLOCKS);
      const r = await call('eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }]);
      expect(r.error).toEqual({
        code: -32005,
        message: `blocks 0..${head} are not indexed yet and span more than ${MAX_UNINDEXED_LOG_BLOCKS} blocks: narrow the range, or retry once the index has caught up`,
      });
      // The newest 256 blocks hold deposits only: each block one DepositFinalized log, and a filter
      // for another address finds nothing, every block skipped by its bloom.
      const fromBlock = hex(head - MAX_UNINDEXED_LOG_BLOCKS + 1n);
      const logs = await result<RpcLog[]>('eth_getLogs', [{ fromBlock, toBlock: 'latest' }]);
      expect(logs).toHaveLength(Number(MAX_UNINDEXED_LOG_BLOCKS));
      expect(new Set(logs.map((l) => `${l.address} ${l.topics[0]}`))).toEqual(new Set([`${DEPOSIT_LOG_ADDRESS} ${DEPOSIT_EVENT_TOPIC}`]));
      expect(await result('eth_getLogs', [{ address: recipient, fromBlock, toBlock: 'latest' }])).toEqual([]);
    } finally {
      await env.INDEX_DB.exec('ALTER TABLE indexed_head_away RENAME TO indexed_head');
    }
  });
});
