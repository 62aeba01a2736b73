/**
 * eth_getLogs over blocks D1 has not indexed yet, answered by the Sequencer core in one call
 * (core/sequencer/logs.ts), against the real SequencerCore over node:sqlite: the answer equals a
 * brute-force filter over every receipt, blocks whose bloom rules the filter out are not read, and
 * every bound (span, gas of blocks read, result count and bytes) answers -32005.
 */
import { encodeFunctionData, type PrivateKeyAccount, parseAbi, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { DEPOSIT_EVENT_TOPIC, DEPOSIT_LOG_ADDRESS } from '../../core/bridge/depositTx.ts';
import { L2_WITHDRAWALS_ADDRESS } from '../../core/bridge/withdrawals.ts';
import { type ChainConfig, type ChainVars, parseChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { bloomMatcher, type LogFilter, matchesLog } from '../../core/chain/logFilter.ts';
import type { RpcLog } from '../../core/chain/types.ts';
import { RpcError } from '../../core/errors.ts';
import { LOG_SCAN_FULL_BLOCKS, MAX_LOG_RESULT_BYTES, MAX_LOG_RESULTS, MAX_UNINDEXED_LOG_BLOCKS, unindexedLogs } from '../../core/sequencer/logs.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import type { SqlPort } from '../../core/storage/sql.ts';
import { type CheckedTransaction, checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { devKey } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';
import { prng } from '../support/prng.ts';

/**
 * Runtime code of a test emitter: LOG1 `count` times (calldata word 0) with `size` bytes of zeroed
 * memory as data (word 1) and `topic` (word 2) as its one topic. Word 0 must be at least 1.
 */
const EMITTER_RUNTIME = '6000355b6040356020356000a1600190038060035700';
const EMITTER_INIT: Hex = `0x6016600c60003960166000f3${EMITTER_RUNTIME}`;
const word = (n: bigint | number | Hex) => (typeof n === 'string' ? n.slice(2).padStart(64, '0') : BigInt(n).toString(16).padStart(64, '0'));
const emitCall = (count: number, size: number, topic: Hex): Hex => `0x${word(count)}${word(size)}${word(topic)}`;
const withdrawAbi = parseAbi(['function withdraw(address l1Recipient) payable returns (uint256)']);

const accounts: PrivateKeyAccount[] = Array.from({ length: 6 }, (_, i) => privateKeyToAccount(devKey(i)));

class Chain {
  readonly seq: SequencerCore;
  readonly config: ChainConfig;
  private readonly nonces = accounts.map(() => 0);
  constructor(seq: SequencerCore) {
    this.seq = seq;
    this.config = seq.config;
  }

  static async start(vars: ChainVars = {}, sql: SqlPort = nodeSql()): Promise<Chain> {
    const seq = new SequencerCore(sql, parseChainConfig({ DEV_CHAIN: '1', ...vars }));
    await seq.init();
    return new Chain(seq);
  }

  async tx(from: number, fields: { to?: Hex; data?: Hex; value?: bigint; gas?: bigint }): Promise<CheckedTransaction> {
    const raw = await accounts[from].signTransaction({
      chainId: Number(this.config.chainId),
      type: 'eip1559',
      nonce: this.nonces[from]++,
      gas: 100_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
      ...fields,
    });
    return checkRawTransaction(raw, this.config.chainId, this.config.blockGasLimit);
  }

  async seal(txs: CheckedTransaction[]) {
    expect(this.seq.submit(txs)).toEqual(txs.map((t) => ({ hash: t.hash })));
    const sealed = await this.seq.seal(Date.now());
    expect(sealed?.included).toEqual(txs.map((t) => t.hash));
    return sealed;
  }

  async deployEmitter(from: number): Promise<Hex> {
    await this.seal([await this.tx(from, { data: EMITTER_INIT })]);
    const receipt = this.seq.blockReceipts(this.seq.headNumber)?.[0];
    if (!receipt?.contractAddress) throw new Error('emitter not deployed');
    return receipt.contractAddress;
  }

  /** Every log of blocks from..to that matches, straight from the receipts. */
  bruteForce(from: bigint, to: bigint, filter: LogFilter): RpcLog[] {
    const out: RpcLog[] = [];
    for (let n = from; n <= to; n++) for (const r of this.seq.blockReceipts(n) ?? []) out.push(...r.logs.filter((l) => matchesLog(l, filter)));
    return out;
  }
}

/** A SqlPort that counts the receipt reads of the core (one per block whose receipts are read). */
function countingSql(): SqlPort & { receiptReads: number } {
  const inner = nodeSql();
  const port = {
    receiptReads: 0,
    query: (sql: string, ...params: Parameters<SqlPort['query']>[1][]) => {
      if (/^SELECT receipt FROM txs WHERE block = \?/.test(sql)) port.receiptReads++;
      return inner.query(sql, ...params);
    },
    transaction: <T>(fn: () => T) => inner.transaction(fn),
  };
  return port as SqlPort & { receiptReads: number };
}

function limitError(fn: () => unknown): RpcError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('logs of blocks not yet indexed, filtered in the Sequencer', () => {
  it('equals a brute-force filter over every receipt, and reads no receipts of blocks whose bloom rules the filter out', async () => {
    const sql = countingSql();
    const chain = await Chain.start({}, sql);
    const emitters = [await chain.deployEmitter(0), await chain.deployEmitter(1)];
    const topics = [1, 2, 3, 4].map((i) => keccakHex(new TextEncoder().encode(`topic ${i}`)));
    const rand = prng(7);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    for (let b = 0; b < 12; b++) {
      const txs: CheckedTransaction[] = [];
      for (let from = 0; from < 5; from++) {
        const kind = rand();
        if (kind < 0.4)
          txs.push(await chain.tx(from, { to: pick(emitters), data: emitCall(1 + Math.floor(rand() * 3), Math.floor(rand() * 40), pick(topics)) }));
        else if (kind < 0.6)
          txs.push(
            await chain.tx(from, {
              to: L2_WITHDRAWALS_ADDRESS,
              value: parseEther('0.001'),
              data: encodeFunctionData({ abi: withdrawAbi, functionName: 'withdraw', args: [accounts[(from + b) % 6].address] }),
            }),
          );
        else if (kind < 0.8) txs.push(await chain.tx(from, { to: '0x000000000000000000000000000000000000dead', value: 1n, gas: 21_000n }));
      }
      if (txs.length > 0) await chain.seal(txs);
    }
    const head = chain.seq.headNumber;
    const unrelated: Hex = '0x00000000000000000000000000000000000f00d5';
    const someTopics = () => [null, ...topics.map((t) => [t]), topics.slice(0, 2), topics.slice(1, 4)];
    let nonEmpty = 0;
    for (let i = 0; i < 200; i++) {
      const addresses = [[], [pick(emitters)], emitters, [L2_WITHDRAWALS_ADDRESS], [unrelated], [unrelated, pick(emitters)]][Math.floor(rand() * 6)];
      const filter: LogFilter = { addresses, topics: Array.from({ length: Math.floor(rand() * 3) }, () => pick(someTopics())) };
      const from = BigInt(Math.floor(rand() * Number(head)));
      const to = from + BigInt(Math.floor(rand() * Number(head - from + 1n)));
      const got = unindexedLogs(chain.seq, from, to, filter);
      expect(got, JSON.stringify({ filter, from: Number(from), to: Number(to) })).toEqual(chain.bruteForce(from, to, filter));
      if (got.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(20);

    // A block whose bloom holds the filter's address or topic is read; one whose bloom does not, is not.
    const all = chain.bruteForce(0n, head, { addresses: [], topics: [] });
    expect(all.length).toBeGreaterThan(10);
    const blocksWithLogs = new Set(all.map((l) => l.blockNumber)).size;
    sql.receiptReads = 0;
    expect(unindexedLogs(chain.seq, 0n, head, { addresses: [unrelated], topics: [] })).toEqual([]);
    expect(unindexedLogs(chain.seq, 0n, head, { addresses: [], topics: [[keccakHex(unrelated)]] })).toEqual([]);
    expect(sql.receiptReads).toBe(0);
    expect(unindexedLogs(chain.seq, 0n, head, { addresses: [], topics: [] })).toEqual(all);
    expect(sql.receiptReads).toBe(blocksWithLogs);
    // The bloom test agrees with the block's own logs: it never rules out a block holding a match.
    for (let n = 0n; n <= head; n++) {
      const block = chain.seq.block(n, false);
      for (const log of chain.bruteForce(n, n, { addresses: [], topics: [] })) {
        expect(bloomMatcher({ addresses: [log.address], topics: log.topics.map((t) => [t]) })(block?.logsBloom as Hex)).toBe(true);
      }
    }
  });

  it(`spans at most ${MAX_UNINDEXED_LOG_BLOCKS} blocks`, async () => {
    const chain = await Chain.start();
    // Deposit-only blocks: one block per seal, without signing anything.
    for (let i = 0; i < Number(MAX_UNINDEXED_LOG_BLOCKS); i++) {
      chain.seq.addPriorityOps([{ index: BigInt(i), l1Sender: accounts[1].address, l2Recipient: accounts[2].address, amount: 1n }]);
      await chain.seq.seal(Date.now());
    }
    const head = chain.seq.headNumber;
    expect(head).toBe(MAX_UNINDEXED_LOG_BLOCKS);
    const none: LogFilter = { addresses: [], topics: [] };
    // Each block's deposit transaction logs DepositFinalized: one log per block, all within reach.
    const logs = unindexedLogs(chain.seq, 1n, head, none);
    expect(logs.map((l) => [l.blockNumber, l.address, l.topics[0]])).toEqual(
      Array.from({ length: Number(head) }, (_, i) => [`0x${(i + 1).toString(16)}`, DEPOSIT_LOG_ADDRESS, DEPOSIT_EVENT_TOPIC]),
    );
    const e = limitError(() => unindexedLogs(chain.seq, 0n, head, none));
    expect(e.code).toBe(-32005);
    expect(e.message).toMatch(new RegExp(`not indexed yet and span more than ${MAX_UNINDEXED_LOG_BLOCKS} blocks`));
    expect(limitError(() => unindexedLogs(chain.seq, 0n, head + 1n, none)).code).toBe(-32602);
  });

  it(`reads receipts of at most ${LOG_SCAN_FULL_BLOCKS} full blocks of gas whose bloom may match`, async () => {
    const chain = await Chain.start({ BLOCK_GAS_LIMIT: '100000' });
    const emitter = await chain.deployEmitter(0);
    const topic = keccakHex('0x01');
    // Four calls of about 23k gas per block: about 92k gas of matching logs in each of three blocks, 276k in all against a budget of 200k.
    for (let b = 0; b < 3; b++) {
      await chain.seal(await Promise.all([1, 2, 3, 4].map((from) => chain.tx(from, { to: emitter, data: emitCall(1, 32, topic), gas: 24_000n }))));
    }
    const head = chain.seq.headNumber;
    const gas = (n: bigint) => BigInt(chain.seq.block(n, false)?.gasUsed ?? 0);
    expect(gas(head) + gas(head - 1n) + gas(head - 2n)).toBeGreaterThan(chain.config.blockGasLimit * LOG_SCAN_FULL_BLOCKS);
    expect(gas(head) + gas(head - 1n)).toBeLessThanOrEqual(chain.config.blockGasLimit * LOG_SCAN_FULL_BLOCKS);
    const f: LogFilter = { addresses: [emitter], topics: [[topic]] };
    expect(unindexedLogs(chain.seq, head - 1n, head, f)).toHaveLength(8);
    const e = limitError(() => unindexedLogs(chain.seq, head - 2n, head, f));
    expect(e.code).toBe(-32005);
    expect(e.message).toMatch(/not indexed yet and hold more than 2 full blocks of gas/);
    // Blocks whose bloom rules the filter out cost nothing, whatever their gas.
    expect(unindexedLogs(chain.seq, head - 2n, head, { addresses: [emitter], topics: [[keccakHex('0x02')]] })).toEqual([]);
  });

  it(`returns at most ${MAX_LOG_RESULTS} logs`, async () => {
    const chain = await Chain.start();
    const emitter = await chain.deployEmitter(0);
    await chain.seal([await chain.tx(1, { to: emitter, data: emitCall(MAX_LOG_RESULTS, 0, keccakHex('0x01')), gas: 12_000_000n })]);
    await chain.seal([await chain.tx(1, { to: emitter, data: emitCall(1, 0, keccakHex('0x01')), gas: 100_000n })]);
    const head = chain.seq.headNumber;
    expect(unindexedLogs(chain.seq, head - 1n, head - 1n, { addresses: [emitter], topics: [] })).toHaveLength(MAX_LOG_RESULTS);
    const e = limitError(() => unindexedLogs(chain.seq, head - 1n, head, { addresses: [emitter], topics: [] }));
    expect([e.code, e.message]).toEqual([-32005, `query returned more than ${MAX_LOG_RESULTS} results`]);
  });

  it(`returns at most ${MAX_LOG_RESULT_BYTES} bytes of log data`, async () => {
    // A block gas limit large enough for more than 8 MiB of log data in one block.
    const chain = await Chain.start({ BLOCK_GAS_LIMIT: '100000000' });
    const emitter = await chain.deployEmitter(0);
    const mib = 1024 * 1024;
    await chain.seal([await chain.tx(1, { to: emitter, data: emitCall(8, mib, keccakHex('0x01')), gas: 80_000_000n })]);
    await chain.seal([await chain.tx(1, { to: emitter, data: emitCall(1, 1024, keccakHex('0x01')) })]);
    const head = chain.seq.headNumber;
    // 8 logs of 1 MiB and a topic each: 8 MiB + 256 bytes, just over.
    const e = limitError(() => unindexedLogs(chain.seq, head - 1n, head - 1n, { addresses: [emitter], topics: [] }));
    expect([e.code, e.message]).toEqual([-32005, `query returned more than ${MAX_LOG_RESULT_BYTES} bytes of log data`]);
    expect(unindexedLogs(chain.seq, head, head, { addresses: [emitter], topics: [] })).toHaveLength(1);
  });
});
