/**
 * Pruning of the sequencer's SQLite (core/sequencer/prune.ts): after trie pruning every account
 * and slot of the latest state still reads and proves against the head's root, including those of
 * a contract whose storage trie is shared with another's (identical storage, identical nodes), and
 * sealing goes on; history pruning removes only blocks indexed in D1 and executed on L1, keeps
 * withdrawal proofs, and every read of a pruned block answers -32000 instead of a wrong value.
 */
import { encodeDeployData, encodeFunctionData, keccak256, parseAbi, parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { L2_WITHDRAWALS_ADDRESS } from '../../core/bridge/withdrawals.ts';
import { parseChainConfig } from '../../core/chain/config.ts';
import { type Hex, hexToBigInt, lower } from '../../core/chain/hex.ts';
import { feeHistory } from '../../core/sequencer/feeHistory.ts';
import { historyFloor, type PrunePolicy, parsePrunePolicy, pruneStep, stateFloor } from '../../core/sequencer/prune.ts';
import { StateQueries } from '../../core/sequencer/queries.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { SqlState } from '../../core/state/sqlState.ts';
import { compileContract } from '../../scripts/lib/compile.ts';
import { checkedTx, devAccount } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';

const config = parseChainConfig({ DEV_CHAIN: '1', BATCH_MAX_BLOCKS: '4' });
const token = compileContract('Token.sol', 'Token');
const tokenAbi = parseAbi(['function transfer(address to, uint256 value) returns (bool)']);
const fresh = (tag: string, i: number): Hex => keccak256(new TextEncoder().encode(`${tag} ${i}`)).slice(0, 42) as Hex;
const contractAddress = (nonce: number) => {
  // CREATE address of dev account 0 at nonce 0 and 1 (RLP of [sender, nonce] for nonces below 128).
  const sender = devAccount(0).address.toLowerCase().slice(2);
  const rlp = `0xd694${sender}${nonce === 0 ? '80' : nonce.toString(16).padStart(2, '0')}` as Hex;
  return lower(`0x${keccak256(rlp).slice(26)}` as Hex);
};

function count(seq: SequencerCore, table: string): number {
  return seq.sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)[0].n;
}

/** Runs prune steps until there is nothing left to do, sealing `between()` after each step. */
async function pruneAll(seq: SequencerCore, policy: PrunePolicy, between?: () => Promise<void>): Promise<number> {
  let steps = 0;
  while (pruneStep(seq, policy) > 0) {
    steps++;
    if (steps > 10_000) throw new Error('pruning does not finish');
    await between?.();
  }
  return steps;
}

/** Acknowledges every outbox entry, as a flush to D1 and R2 does. */
function flushAll(seq: SequencerCore): void {
  seq.outboxDone(seq.outboxPending(1_000_000, Number.MAX_SAFE_INTEGER).map((e) => e.id));
}

describe('pruning the sequencer', () => {
  it('keeps every account and slot of the latest state readable and provable, shared storage tries included', async () => {
    const sql = nodeSql();
    const seq = new SequencerCore(sql, config);
    await seq.init();
    const nonces = [0, 0, 0, 0];
    const seal = async (txs: Awaited<ReturnType<typeof checkedTx>>[]) => {
      expect(seq.submit(txs).every((r) => 'hash' in r)).toBe(true);
      const sealed = await seq.seal(Date.now());
      expect(sealed?.included.length).toBe(txs.length);
    };
    // Two tokens with identical storage: their storage tries are one set of nodes.
    const deploy = encodeDeployData({ abi: token.abi, bytecode: token.bytecode, args: ['Same', 'SAME', 10n ** 24n] });
    await seal([
      await checkedTx(config, 0, nonces[0]++, { data: deploy, gas: 2_000_000n }),
      await checkedTx(config, 0, nonces[0]++, { data: deploy, gas: 2_000_000n }),
    ]);
    const [a, b] = [contractAddress(0), contractAddress(1)];
    const rootB = seq.account(b)?.storageRoot;
    expect(seq.account(a)?.storageRoot).toBe(rootB);
    // Blocks that change token A's storage (B's nodes are A's old ones), and plain transfers to new accounts.
    let recipient = 0;
    const block = async () => {
      const txs = [];
      for (let k = 0; k < 3; k++) {
        const data = encodeFunctionData({ abi: tokenAbi, functionName: 'transfer', args: [fresh('holder', recipient), 1000n + BigInt(recipient)] });
        txs.push(await checkedTx(config, 0, nonces[0]++, { to: a, data, gas: 100_000n }));
        txs.push(await checkedTx(config, 1 + (recipient % 3), nonces[1 + (recipient % 3)]++, { to: fresh('payee', recipient), value: 1n, gas: 21_000n }));
        recipient++;
      }
      await seal(txs);
    };
    for (let i = 0; i < 12; i++) await block();
    flushAll(seq);
    const before = count(seq, 'trie_nodes');
    const policy: PrunePolicy = { historyBlocks: 1_000, stateBlocks: 3, trieIntervalBlocks: 5, rowsPerStep: 40 };
    // Blocks keep being sealed between the steps of a cycle, as they are between alarms.
    const steps = await pruneAll(seq, policy, async () => {
      if (seq.headNumber < 20n) {
        await block();
        flushAll(seq);
      }
    });
    expect(steps).toBeGreaterThan(5);
    expect(seq.headNumber).toBe(20n);
    const after = count(seq, 'trie_nodes');
    expect(after).toBeLessThan(before + 8 * 20);
    expect(stateFloor(sql)).toBeGreaterThan(0);
    expect(seq.account(a)?.storageRoot).not.toBe(rootB);
    expect(seq.account(b)?.storageRoot).toBe(rootB);

    // Every account and slot of the flat state proves against the head's root through a cold node store.
    const checkAll = async (core: SequencerCore) => {
      const cold = new SqlState(sql);
      const { accountProof } = await import('../../core/state/proof.ts');
      const accounts = sql.query<{ address: Hex; nonce: string; balance: string; storage_root: Hex }>(
        `SELECT address, nonce, balance, storage_root FROM accounts`,
      );
      expect(accounts.length).toBeGreaterThan(40);
      let slots = 0;
      for (const acc of accounts) {
        const stored = sql.query<{ slot: Hex; value: Hex }>(`SELECT slot, value FROM storage WHERE address = ?`, acc.address);
        const p = await accountProof(
          cold,
          core.head().stateRoot,
          acc.address,
          stored.map((s) => s.slot),
        );
        expect(keccak256(p.accountProof[0])).toBe(core.head().stateRoot);
        expect(hexToBigInt(p.balance)).toBe(BigInt(acc.balance));
        expect(hexToBigInt(p.nonce)).toBe(BigInt(acc.nonce));
        expect(p.storageHash).toBe(acc.storage_root);
        stored.forEach((s, i) => {
          expect(hexToBigInt(p.storageProof[i].value), `${acc.address} slot ${s.slot}`).toBe(hexToBigInt(s.value));
          if (p.storageProof[i].proof.length > 0) expect(keccak256(p.storageProof[i].proof[0])).toBe(acc.storage_root);
        });
        slots += stored.length;
      }
      expect(slots).toBeGreaterThan(40);
    };
    await checkAll(seq);

    // Recent states still prove through the RPC path; pruned ones answer -32000 like geth.
    const queries = new StateQueries(seq);
    const recent = await queries.proof(b, [], seq.headNumber - 2n);
    expect(recent.storageHash).toBe(rootB);
    await expect(queries.proof(a, [], 1n)).rejects.toMatchObject({ code: -32000, message: expect.stringMatching(/^missing trie node/) });
    await expect(queries.balance(a, 1n)).rejects.toMatchObject({ code: -32000 });

    // Sealing goes on over the pruned trie, also after a restart, and the result proves again.
    await block();
    const restarted = new SequencerCore(sql, config);
    await restarted.init();
    for (const [i, n] of nonces.entries()) expect(restarted.pendingNonce(lower(devAccount(i).address))).toBe(BigInt(n));
    const more = await checkedTx(config, 0, nonces[0]++, {
      to: b,
      data: encodeFunctionData({ abi: tokenAbi, functionName: 'transfer', args: [fresh('late', 0), 5n] }),
    });
    restarted.submit([more]);
    expect((await restarted.seal(Date.now()))?.included).toEqual([more.hash]);
    expect(restarted.receipt(more.hash)?.status).toBe('0x1');
    await checkAll(restarted);
  });

  it('prunes history only once indexed and executed on L1, and keeps withdrawal proofs', async () => {
    const sql = nodeSql();
    const seq = new SequencerCore(sql, config);
    await seq.init();
    let nonce = 0;
    const withdraw = await checkedTx(config, 0, nonce++, {
      to: L2_WITHDRAWALS_ADDRESS,
      value: parseEther('1'),
      data: encodeFunctionData({ abi: parseAbi(['function withdraw(address)']), functionName: 'withdraw', args: [devAccount(1).address] }),
    });
    seq.submit([withdraw]);
    await seq.seal(Date.now());
    const transfers: Hex[] = [];
    for (let i = 0; i < 40; i++) {
      const t = await checkedTx(config, 0, nonce++, { to: fresh('to', i), value: 1n, gas: 21_000n });
      transfers.push(t.hash);
      seq.submit([t]);
      await seq.seal(Date.now());
    }
    const proofBefore = seq.withdrawalProof(withdraw.hash);
    expect(proofBefore?.withdrawals.length).toBe(1);
    const policy: PrunePolicy = { historyBlocks: 8, stateBlocks: 2, trieIntervalBlocks: 1_000_000, rowsPerStep: 5 };

    // Nothing indexed, nothing executed: nothing goes.
    expect(await pruneAll(seq, policy)).toBe(0);
    // Executed on L1 up to batch 5 (blocks 1..20), but the index has taken only blocks up to 12.
    seq.setL1Progress({ committed: 8, proven: 6, executed: 5 });
    expect(seq.batcher.lastBlockOf(5)).toBe(20);
    seq.outboxDone(
      seq
        .outboxPending(1_000, Number.MAX_SAFE_INTEGER)
        .filter((e) => e.block <= 12)
        .map((e) => e.id),
    );
    await pruneAll(seq, policy);
    expect(historyFloor(sql)).toBe(13);
    // Indexed up to the head: pruning stops at the last executed block.
    flushAll(seq);
    await pruneAll(seq, policy);
    expect(historyFloor(sql)).toBe(21);
    expect(seq.block(0n, false)?.number).toBe('0x0');
    for (let n = 1n; n <= 20n; n++) expect(seq.block(n, false)).toBeNull();
    expect(seq.block(21n, false)?.number).toBe('0x15');
    expect(sql.query(`SELECT block FROM txs WHERE block <= 20`)).toEqual([]);
    expect(sql.query(`SELECT block FROM block_data WHERE block <= 20`)).toEqual([]);
    expect(sql.query(`SELECT block FROM fee_summaries WHERE block BETWEEN 1 AND 20`)).toEqual([]);
    expect(sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM batches WHERE number BETWEEN 1 AND 5 AND LENGTH(data) > 0`)[0].n).toBe(0);
    expect(sql.query<{ n: number }>(`SELECT COUNT(*) AS n FROM batches WHERE number > 5 AND LENGTH(data) > 0`)[0].n).toBeGreaterThan(0);
    expect(seq.receipt(transfers[30])?.status).toBe('0x1');
    expect(seq.receipt(transfers[0])).toBeNull();

    // Reads of pruned blocks: -32000, never an empty or shortened answer taken for the truth.
    expect(seq.blockReceipts(5n)).toBeNull();
    expect(() => feeHistory(seq, 4, 10n, [50])).toThrow(/pruned from the sequencer/);
    const fees = feeHistory(seq, 1024, seq.headNumber, [50]);
    expect(fees.oldestBlock).toBe('0x15');
    expect(fees.reward?.length).toBe(Number(seq.headNumber) - 20);
    // The withdrawal's block is gone; its proof is not.
    expect(seq.withdrawalProof(withdraw.hash)).toEqual({ ...proofBefore, status: 'executed' });
    expect(seq.withdrawalProof(transfers[0])).toBeNull();
    expect(seq.transactionStatus(transfers[0])).toEqual({ status: 'unknown' });
    // No trie cycle ran, but a state is found by its header: a pruned block's state is gone too.
    expect(stateFloor(sql)).toBe(0);
    await expect(new StateQueries(seq).proof(devAccount(0).address, [], 5n)).rejects.toMatchObject({
      code: -32000,
      message: expect.stringMatching(/^missing trie node: historical state of block 5 is not available \(the sequencer keeps the state of blocks from 21\)$/),
    });

    // Executed further: the rest of the window goes, HISTORY_BLOCKS stay.
    seq.setL1Progress({ committed: 10, proven: 10, executed: 10 });
    await pruneAll(seq, policy);
    expect(historyFloor(sql)).toBe(Number(seq.headNumber) - 8 + 1);
    expect(count(seq, 'blocks')).toBe(9);
    const restarted = new SequencerCore(sql, config);
    await restarted.init();
    expect(restarted.headNumber).toBe(seq.headNumber);
  });

  it('reads its policy from vars, with the limits BLOCKHASH and state lookups need', () => {
    expect(parsePrunePolicy({})).toEqual({ historyBlocks: 2048, stateBlocks: 128, trieIntervalBlocks: 10_000, rowsPerStep: 2_000 });
    expect(() => parsePrunePolicy({ HISTORY_BLOCKS: '255' })).toThrow(/HISTORY_BLOCKS must be an integer of at least 256/);
    expect(() => parsePrunePolicy({ HISTORY_BLOCKS: '300', STATE_HISTORY_BLOCKS: '301' })).toThrow(/must not exceed/);
  });
});
