/**
 * Deposits as L2 transactions (decision 0025): the 0x7d envelope and its hash, the block that
 * credits a deposit listing it first with its receipt and log in the roots, its raw forms, the
 * edge refusing one sent as a raw transaction, and the lookups behind rollup_getDeposit.
 */
import { RLP } from '@ethereumjs/rlp';
import { decodeEventLog, keccak256, parseAbi, parseEther, toRlp } from 'viem';
import { describe, expect, it } from 'vitest';
import { DEPOSIT_EVENT_TOPIC, DEPOSIT_LOG_ADDRESS, DEPOSIT_TX_TYPE, decodeDepositTx, depositTxHash, encodeDepositTx } from '../../core/bridge/depositTx.ts';
import type { PriorityOp } from '../../core/bridge/priorityOps.ts';
import { parseChainConfig } from '../../core/chain/config.ts';
import { bytesToHex, type Hex, hexToBytes } from '../../core/chain/hex.ts';
import { rawBlock, rawReceipt, rawTransaction } from '../../core/chain/rawForms.ts';
import type { RpcBlockHeader, RpcTransaction } from '../../core/chain/types.ts';
import { orderedTrieRoot } from '../../core/execution/orderedTrie.ts';
import { feeHistory } from '../../core/sequencer/feeHistory.ts';
import { ensureSchema, getMeta } from '../../core/sequencer/schema.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { checkedTx, devAccount } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';

const config = parseChainConfig({ DEV_CHAIN: '1' });
const NOW = 1_800_000_000_000;
const l1Sender = devAccount(5).address.toLowerCase() as Hex;
const op = (index: bigint, amount: bigint, l1TxHash?: Hex): PriorityOp => ({
  index,
  l1Sender,
  l2Recipient: `0x${(0xd0500n + index).toString(16).padStart(40, '0')}`,
  amount,
  ...(l1TxHash ? { l1TxHash } : {}),
});
const depositAbi = parseAbi(['event DepositFinalized(uint256 indexed index, address indexed l1Sender, address indexed l2Recipient, uint256 amount)']);

describe('the deposit transaction envelope', () => {
  it('is 0x7d || rlp([index, l1Sender, l2Recipient, amount]), its hash the keccak of that, and decodes back', () => {
    const o = op(7n, parseEther('1.5'));
    const raw = encodeDepositTx(o);
    // Built independently with viem's RLP: the wire format is what the decision says.
    const expected = `0x7d${toRlp(['0x07', o.l1Sender, o.l2Recipient, `0x${parseEther('1.5').toString(16)}`]).slice(2)}`;
    expect(bytesToHex(raw)).toBe(expected);
    expect(depositTxHash(o)).toBe(keccak256(expected as Hex));
    expect(decodeDepositTx(raw)).toEqual(o);
    // Index 0 and amount 0 are empty byte strings, as RLP integers are.
    expect(decodeDepositTx(encodeDepositTx(op(0n, 0n)))).toEqual(op(0n, 0n));
    // Every field changes the hash.
    for (const other of [
      { ...o, index: 8n },
      { ...o, amount: o.amount + 1n },
      { ...o, l1Sender: o.l2Recipient },
      { ...o, l2Recipient: o.l1Sender },
    ]) {
      expect(depositTxHash(other)).not.toBe(depositTxHash(o));
    }
  });

  it('refuses other types, wrong shapes and non-canonical encodings', () => {
    const raw = encodeDepositTx(op(1n, 5n));
    expect(() => decodeDepositTx(Uint8Array.from([0x7e, ...raw.subarray(1)]))).toThrow(/not a deposit transaction/);
    expect(() => decodeDepositTx(Uint8Array.from([DEPOSIT_TX_TYPE, ...RLP.encode([1, hexToBytes(l1Sender)])]))).toThrow(/list of 4/);
    const shortAddress = RLP.encode([1, hexToBytes(l1Sender).subarray(1), hexToBytes(l1Sender), 5]);
    expect(() => decodeDepositTx(Uint8Array.from([DEPOSIT_TX_TYPE, ...shortAddress]))).toThrow(/20-byte/);
    // A leading zero in the amount: same values, other bytes, so another hash: refused.
    const padded = RLP.encode([Uint8Array.from([1]), hexToBytes(l1Sender), hexToBytes(l1Sender), Uint8Array.from([0, 5])]);
    expect(() => decodeDepositTx(Uint8Array.from([DEPOSIT_TX_TYPE, ...padded]))).toThrow(/canonical/);
  });

  it('is refused at the edge as a raw transaction: no signature check, no pool', () => {
    const raw = bytesToHex(encodeDepositTx(op(0n, parseEther('1000'))));
    expect(() => checkRawTransaction(raw, config.chainId, config.blockGasLimit)).toThrow(expect.objectContaining({ code: -32602 }));
  });
});

describe('a block crediting deposits', () => {
  it('lists them first, with receipts and logs, in its transactions and receipts roots', async () => {
    const seq = new SequencerCore(nodeSql(), config);
    await seq.init();
    const l1Tx: Hex = `0x${'ab'.repeat(32)}`;
    seq.addPriorityOps([op(0n, parseEther('2'), l1Tx), op(1n, 3n, l1Tx)]);
    const transfer = await checkedTx(config, 0, 0, { to: '0x000000000000000000000000000000000000beef', value: 1n, gas: 21_000n });
    seq.submit([transfer]);
    const sealed = await seq.seal(NOW);
    expect(sealed?.included).toEqual([transfer.hash]);
    const block = seq.block(1n, true) as RpcBlockHeader & { transactions: RpcTransaction[] };
    const hashes = [depositTxHash(op(0n, parseEther('2'))), depositTxHash(op(1n, 3n))];
    expect(block.transactions.map((t) => t.hash)).toEqual([...hashes, transfer.hash]);
    expect(block.transactions.map((t) => t.transactionIndex)).toEqual(['0x0', '0x1', '0x2']);
    expect(block.transactions[0]).toEqual(
      expect.objectContaining({
        type: '0x7d',
        from: l1Sender,
        to: op(0n, 0n).l2Recipient,
        value: `0x${parseEther('2').toString(16)}`,
        nonce: '0x0',
        gas: '0x0',
        gasPrice: '0x0',
        input: '0x',
        v: '0x0',
        r: '0x0',
        s: '0x0',
        depositIndex: '0x0',
        l1TxHash: l1Tx,
        blockHash: block.hash,
      }),
    );
    expect(seq.transaction(hashes[1])).toEqual(block.transactions[1]);
    expect(seq.account(op(0n, 0n).l2Recipient)?.balance).toBe(parseEther('2'));

    const receipts = seq.blockReceipts(1n) ?? [];
    expect(receipts.map((r) => [r.transactionHash, r.status, r.gasUsed, r.cumulativeGasUsed, r.transactionIndex])).toEqual([
      [hashes[0], '0x1', '0x0', '0x0', '0x0'],
      [hashes[1], '0x1', '0x0', '0x0', '0x1'],
      [transfer.hash, '0x1', '0x5208', '0x5208', '0x2'],
    ]);
    expect(seq.receipt(hashes[0])).toEqual(receipts[0]);
    const [log] = receipts[1].logs;
    expect(log).toEqual(expect.objectContaining({ address: DEPOSIT_LOG_ADDRESS, logIndex: '0x1', transactionHash: hashes[1], blockHash: block.hash }));
    expect(log.topics[0]).toBe(DEPOSIT_EVENT_TOPIC);
    const event = decodeEventLog({ abi: depositAbi, topics: log.topics as [Hex, ...Hex[]], data: log.data });
    expect(event.args).toEqual({ index: 1n, l1Sender: devAccount(5).address, l2Recipient: expect.stringMatching(/d0501$/i), amount: 3n });

    // The roots, rebuilt from the raw forms the RPC serves.
    const raws = block.transactions.map((t) => rawTransaction(t, config.chainId));
    expect(raws[0]).toBe(bytesToHex(encodeDepositTx(op(0n, parseEther('2')))));
    expect(raws[2]).toBe(transfer.raw);
    expect(await orderedTrieRoot(raws.map(hexToBytes))).toBe(block.transactionsRoot);
    expect(await orderedTrieRoot(receipts.map((r) => hexToBytes(rawReceipt(r))))).toBe(block.receiptsRoot);
    const [header, body] = RLP.decode(hexToBytes(rawBlock(block, block.transactions, config.chainId))) as [Uint8Array[], Uint8Array[]];
    expect(keccak256(RLP.encode(header))).toBe(block.hash);
    expect(body.slice(0, 2).map((b) => bytesToHex(b))).toEqual(raws.slice(0, 2));
    // Deposits pay and use nothing: the fee history's rewards are the transfer's tip (1 wei) at every percentile.
    expect(feeHistory(seq, 1, 1n, [0, 50, 100]).reward).toEqual([['0x1', '0x1', '0x1']]);
    // A deposit whose stored JSON was altered does not re-encode to its hash.
    expect(() => rawTransaction({ ...block.transactions[0], value: '0x1' }, config.chainId)).toThrow(/does not re-encode/);
  });

  it('is found by its index or its L1 transaction hash, pending until a block credits it', async () => {
    const seq = new SequencerCore(nodeSql(), config);
    await seq.init();
    const l1Tx: Hex = `0x${'cd'.repeat(32)}`;
    seq.addPriorityOps([op(0n, 10n, l1Tx), op(1n, 11n, l1Tx), op(2n, 12n)]);
    expect(seq.deposit({ index: 1n })).toEqual({ ...op(1n, 11n, l1Tx), hash: depositTxHash(op(1n, 11n)), block: null, blockHash: null });
    // Several deposits in one L1 transaction: the first is found by its hash.
    expect(seq.deposit({ l1TxHash: l1Tx.toUpperCase().replace('0X', '0x') as Hex })?.index).toBe(0n);
    await seq.seal(NOW);
    const head = seq.block(1n, false) as RpcBlockHeader;
    expect(seq.deposit({ index: 2n })).toEqual({ ...op(2n, 12n), hash: depositTxHash(op(2n, 12n)), block: 1, blockHash: head.hash });
    expect(seq.deposit({ index: 3n })).toBeNull();
    expect(seq.deposit({ index: 2n ** 64n })).toBeNull();
    expect(seq.deposit({ l1TxHash: `0x${'ef'.repeat(32)}` })).toBeNull();
  });

  it('schema 4 adds the L1 transaction hash to a queue stored by version 3', () => {
    const sql = nodeSql();
    sql.query(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.query(`INSERT INTO meta (key, value) VALUES ('schema_version', '3')`);
    sql.query(`CREATE TABLE priority_ops (idx INTEGER PRIMARY KEY, l1_sender TEXT NOT NULL, l2_recipient TEXT NOT NULL, amount TEXT NOT NULL, block INTEGER)`);
    sql.query(`INSERT INTO priority_ops (idx, l1_sender, l2_recipient, amount, block) VALUES (0, ?, ?, '5', NULL)`, l1Sender, l1Sender);
    ensureSchema(sql);
    expect(getMeta(sql, 'schema_version')).toBe('4');
    expect(sql.query(`SELECT idx, l1_tx_hash FROM priority_ops`)).toEqual([{ idx: 0, l1_tx_hash: null }]);
  });
});
