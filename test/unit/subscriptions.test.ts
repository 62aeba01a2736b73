import { describe, expect, it } from 'vitest';
import type { Hex } from '../../core/chain/hex.ts';
import type { RpcBlockHeader, RpcLog } from '../../core/chain/types.ts';
import { type ChainEvent, EventJson, messagesFor, newHead, type Subscription } from '../../core/subscriptions/events.ts';

const h = (n: number, bytes = 32) => `0x${n.toString(16).padStart(bytes * 2, '0')}` as Hex;
const header = { number: '0x7', hash: h(7), parentHash: h(6), size: '0x1', uncles: [], withdrawals: [], timestamp: '0x1' } as unknown as RpcBlockHeader;
const log = (address: Hex, topic: Hex, i: number): RpcLog =>
  ({ address, topics: [topic], data: '0x', blockNumber: '0x7', blockHash: h(7), logIndex: `0x${i.toString(16)}`, removed: false }) as unknown as RpcLog;

const a = h(0xa, 20);
const b = h(0xb, 20);
const event: ChainEvent = { header: newHead(header), logs: [log(a, h(1), 0), log(b, h(2), 1), log(a, h(2), 2)], pending: [h(100), h(101)], sealedAt: 1234 };

describe('subscription notifications', () => {
  it("newHeads carries geth's header shape (no transactions, uncles, size, withdrawals) and the seal time", () => {
    const [m] = messagesFor(event, [{ id: h(1, 16), kind: 'newHeads' }], new EventJson(event));
    const msg = JSON.parse(m);
    expect(msg).toEqual({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: h(1, 16), result: newHead(header), sealedAt: 1234 } });
    expect(msg.params.result).not.toHaveProperty('size');
    expect(msg.params.result).not.toHaveProperty('uncles');
  });

  it('logs: one message per matching log, in block order, by address and topic', () => {
    const subs: Subscription[] = [
      { id: h(1, 16), kind: 'logs', filter: { addresses: [a], topics: [] } },
      { id: h(2, 16), kind: 'logs', filter: { addresses: [], topics: [[h(2)]] } },
      { id: h(3, 16), kind: 'logs', filter: { addresses: [b], topics: [[h(1)]] } },
    ];
    const out = messagesFor(event, subs, new EventJson(event)).map((m) => JSON.parse(m).params);
    expect(out.filter((p) => p.subscription === h(1, 16)).map((p) => p.result.logIndex)).toEqual(['0x0', '0x2']);
    expect(out.filter((p) => p.subscription === h(2, 16)).map((p) => p.result.logIndex)).toEqual(['0x1', '0x2']);
    expect(out.filter((p) => p.subscription === h(3, 16))).toEqual([]);
    expect(out.every((p) => p.result.removed === false)).toBe(true);
  });

  it('newPendingTransactions: hashes, or the whole transactions the hub fetched', () => {
    const hashes = messagesFor(event, [{ id: h(1, 16), kind: 'newPendingTransactions' }], new EventJson(event)).map((m) => JSON.parse(m).params.result);
    expect(hashes).toEqual([h(100), h(101)]);
    const full = messagesFor(event, [{ id: h(1, 16), kind: 'newPendingTransactions', full: true }], new EventJson(event), new Map([[h(101), '{"hash":"x"}']]));
    expect(full.map((m) => JSON.parse(m).params.result)).toEqual([{ hash: 'x' }]);
    expect(messagesFor(event, [{ id: h(1, 16), kind: 'syncing' }], new EventJson(event))).toEqual([]);
  });
});
