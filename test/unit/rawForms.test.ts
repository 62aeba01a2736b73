/**
 * The raw forms (debug_getRaw*, eth_getRawTransactionByHash) rebuilt from the JSON the chain
 * stores, for every transaction type, and the pool's listing for txpool_*.
 */
import { createBlockFromRLP } from '@ethereumjs/block';
import { encodeDeployData, keccak256, parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { chainCommon } from '../../core/chain/common.ts';
import { parseChainConfig } from '../../core/chain/config.ts';
import { bytesToHex, type Hex, hexToBytes } from '../../core/chain/hex.ts';
import { rawBlock, rawHeader, rawReceipt, rawTransaction } from '../../core/chain/rawForms.ts';
import type { RpcTransaction } from '../../core/chain/types.ts';
import { orderedTrieRoot } from '../../core/execution/orderedTrie.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { compileContract } from '../../scripts/lib/compile.ts';
import { devAccount } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';

const config = parseChainConfig({ DEV_CHAIN: '1', ALLOW_UNPROTECTED_TXS: 'true' });
const check = (raw: string) => checkRawTransaction(raw, config.chainId, config.blockGasLimit, undefined, true);
const fees = { maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n };
const to: Hex = '0x000000000000000000000000000000000000beef';

describe('raw forms rebuilt from the stored JSON', () => {
  it('header, block, receipts and transactions of every type re-encode to their hashes and roots', async () => {
    const seq = new SequencerCore(nodeSql(), config);
    await seq.init();
    const a = devAccount(0);
    const b = devAccount(1);
    const { abi, bytecode } = compileContract('Token.sol', 'Token');
    const token = await a.signTransaction({
      chainId: 31337,
      type: 'eip1559',
      nonce: 0,
      gas: 3_000_000n,
      data: encodeDeployData({ abi, bytecode, args: ['T', 'T', 1000n] }),
      ...fees,
    });
    const raws = [
      token,
      await a.signTransaction({ chainId: 31337, type: 'legacy', nonce: 1, to, value: 1n, gas: 21_000n, gasPrice: 10n ** 10n }),
      await a.signTransaction({
        chainId: 31337,
        type: 'eip2930',
        nonce: 2,
        to,
        value: 2n,
        gas: 30_000n,
        gasPrice: 10n ** 10n,
        accessList: [{ address: to, storageKeys: [`0x${'00'.repeat(31)}01`] }],
      }),
      // Unprotected legacy (no chain id).
      await b.signTransaction({ type: 'legacy', nonce: 0, to, value: 3n, gas: 21_000n, gasPrice: 10n ** 10n }),
      await b.signTransaction({
        chainId: 31337,
        type: 'eip7702',
        nonce: 1,
        to,
        gas: 100_000n,
        ...fees,
        authorizationList: [await devAccount(2).signAuthorization({ chainId: 31337, contractAddress: to, nonce: 0 })],
      }),
    ];
    const txs = raws.map(check);
    expect(seq.submit(txs)).toEqual(txs.map((t) => ({ hash: t.hash })));
    const sealed = await seq.seal(1_800_000_000_000);
    expect(sealed?.included).toHaveLength(5);
    const block = seq.block(1n, true) as { transactions: RpcTransaction[] } & Parameters<typeof rawHeader>[0];
    expect(keccak256(rawHeader(block, config.chainId))).toBe(block.hash);
    const byHash = new Map(txs.map((t) => [t.hash, t.raw]));
    for (const t of block.transactions) expect(rawTransaction(t, config.chainId)).toBe(byHash.get(t.hash));
    const receipts = seq.blockReceipts(1n) ?? [];
    expect(receipts).toHaveLength(5);
    expect(receipts.some((r) => r.logs.length > 0)).toBe(true);
    expect(await orderedTrieRoot(receipts.map((r) => hexToBytes(rawReceipt(r))))).toBe(block.receiptsRoot);
    const decoded = createBlockFromRLP(hexToBytes(rawBlock(block, block.transactions, config.chainId)), {
      common: chainCommon(config.chainId),
      skipConsensusFormatValidation: true,
    });
    expect(bytesToHex(decoded.hash())).toBe(block.hash);
    expect(decoded.transactions.map((t) => bytesToHex(t.hash()))).toEqual(block.transactions.map((t) => t.hash));
    expect(BigInt(block.size)).toBe(BigInt((rawBlock(block, block.transactions, config.chainId).length - 2) / 2));
    // Genesis: the header alone, an empty body.
    const genesis = seq.block(0n, true) as typeof block;
    expect(keccak256(rawHeader(genesis, config.chainId))).toBe(genesis.hash);
  });

  it('a field the JSON lost is refused rather than encoded into other bytes', async () => {
    const seq = new SequencerCore(nodeSql(), config);
    await seq.init();
    const raw = await devAccount(0).signTransaction({ chainId: 31337, type: 'eip1559', nonce: 0, to, value: 1n, gas: 21_000n, ...fees });
    seq.submit([check(raw)]);
    await seq.seal(1_800_000_000_000);
    const block = seq.block(1n, true) as { transactions: RpcTransaction[] } & Parameters<typeof rawHeader>[0];
    expect(() => rawTransaction({ ...block.transactions[0], value: '0x2' }, config.chainId)).toThrow(/does not re-encode to its hash/);
    expect(() => rawHeader({ ...block, gasUsed: '0x1' }, config.chainId)).toThrow(/does not re-encode to its hash/);
  });
});

describe('the pool as txpool_* lists it', () => {
  it('pending is the gap-free run from the committed nonce, queued the rest; the listing is bounded, the counts are not', async () => {
    const seq = new SequencerCore(nodeSql(), config);
    await seq.init();
    const send = (from: number, nonce: number) =>
      devAccount(from)
        .signTransaction({ chainId: 31337, type: 'eip1559', nonce, to, value: parseEther('0.001'), gas: 21_000n, ...fees })
        .then(check);
    const txs = [await send(0, 0), await send(0, 1), await send(0, 3), await send(1, 5), await send(2, 0)];
    seq.submit(txs);
    const all = seq.txpoolContent(100);
    expect(all.pending.map((t) => t.hash)).toEqual([txs[0].hash, txs[1].hash, txs[4].hash]);
    expect(all.queued.map((t) => t.hash)).toEqual([txs[2].hash, txs[3].hash]);
    expect([all.pendingCount, all.queuedCount, all.truncated]).toEqual([3, 2, false]);
    const two = seq.txpoolContent(2);
    expect(two.pending.length + two.queued.length).toBe(2);
    expect([two.pendingCount, two.queuedCount, two.truncated]).toEqual([3, 2, true]);
    const one = seq.txpoolContent(100, devAccount(0).address);
    expect([one.pending.length, one.queued.length]).toEqual([2, 1]);
    expect(one.pending[0].raw).toBe(txs[0].raw);
    // Once the first two are included, nonce 3 is still behind the gap at 2.
    await seq.seal(Date.now());
    const after = seq.txpoolContent(100);
    expect([after.pendingCount, after.queuedCount]).toEqual([0, 2]);
  });
});
