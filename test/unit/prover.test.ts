/**
 * Stateless re-execution in plain Node: a block sealed by the sequencer core is re-executed from
 * its trace blob alone (the bytes, nothing else), and every kind of tampering is refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { encodeDeployData, encodeFunctionData, parseAbi, parseEther, recoverAddress } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { L2_WITHDRAWALS_ADDRESS } from '../../core/bridge/withdrawals.ts';
import { parseChainConfig } from '../../core/chain/config.ts';
import { type Hex, lower } from '../../core/chain/hex.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { reexecuteBlock } from '../../core/proving/reexecute.ts';
import { recoverProver, signStatement, statementDigest, statementFor } from '../../core/proving/statement.ts';
import { type BlockTrace, decodeTrace, encodeTrace, TRACE_VERSION } from '../../core/proving/trace.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { compileContract } from '../../scripts/lib/compile.ts';
import { checkedTx, devAccount, devKey, type TestTx } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';

const config = parseChainConfig({ DEV_CHAIN: '1' });
const DEPOSIT_RECIPIENT: Hex = '0x00000000000000000000000000000000000d0501';
const withdrawAbi = parseAbi(['function withdraw(address l1Recipient) payable returns (uint256)']);
const NOW = 1_800_000_000_000;
let seq: SequencerCore;
let token: Hex;
let tokenStorageRoot: Hex;
let traceBytes: Uint8Array;
let sealedHeader: { stateRoot: Hex; hash: Hex };

const sign = (from: number, nonce: number, tx: TestTx & { gas: bigint }) => checkedTx(config, from, nonce, tx);

beforeAll(async () => {
  seq = new SequencerCore(nodeSql(), config);
  await seq.init();
  const { abi, bytecode } = compileContract('Token.sol', 'Token');
  const deploy = await sign(0, 0, { data: encodeDeployData({ abi, bytecode, args: ['T', 'T', 1_000_000n] }), gas: 3_000_000n });
  seq.submit([deploy]);
  await seq.seal(NOW);
  token = seq.receipt(deploy.hash)?.contractAddress as Hex;
  tokenStorageRoot = seq.account(token)?.storageRoot as Hex;
  const txs = [
    await sign(0, 1, { to: token, data: encodeFunctionData({ abi, functionName: 'transfer', args: [devAccount(1).address, 500n] }), gas: 100_000n }),
    await sign(1, 0, { to: '0x000000000000000000000000000000000000beef', value: parseEther('1'), gas: 21_000n }),
    await sign(2, 0, { to: token, data: encodeFunctionData({ abi, functionName: 'transfer', args: [devAccount(3).address, 1n] }), gas: 100_000n }),
    // Empties a slot that exists in the pre-state: a trie deletion, which can collapse branches.
    await sign(0, 2, { to: token, data: encodeFunctionData({ abi, functionName: 'transfer', args: [devAccount(3).address, 999_500n] }), gas: 100_000n }),
    // A withdrawal through the system contract.
    await sign(4, 0, {
      to: L2_WITHDRAWALS_ADDRESS,
      value: parseEther('0.5'),
      data: encodeFunctionData({ abi: withdrawAbi, functionName: 'withdraw', args: [devAccount(6).address] }),
      gas: 100_000n,
    }),
  ];
  seq.submit(txs);
  // And a deposit from L1, applied at the block's start.
  seq.addPriorityOps([{ index: 0n, l1Sender: devAccount(1).address, l2Recipient: DEPOSIT_RECIPIENT, amount: parseEther('2') }]);
  const sealed = await seq.seal(NOW + 1000, { trace: true });
  if (!sealed?.trace) throw new Error('no trace');
  expect(sealed.included.length).toBe(5);
  expect(sealed.trace.priorityOps.length).toBe(1);
  expect(sealed.trace.claimed.withdrawals.map((w) => w.amount)).toEqual([parseEther('0.5')]);
  sealedHeader = sealed.header;
  traceBytes = encodeTrace(sealed.trace);
});

const fresh = (): BlockTrace => decodeTrace(traceBytes);

describe('stateless re-execution from a trace blob', () => {
  it('re-executes the block from its bytes alone and reaches the sealed state root and hash', async () => {
    expect(traceBytes[0]).toBe(TRACE_VERSION);
    const verdict = await reexecuteBlock(decodeTrace(traceBytes));
    expect(verdict).toEqual({ valid: true, result: expect.objectContaining({ stateRoot: sealedHeader.stateRoot, blockHash: sealedHeader.hash }) });
  });

  it('refuses a witness whose storage was altered', async () => {
    const t = fresh();
    const i = t.nodes.findIndex((n) => keccakHex(n) === tokenStorageRoot);
    expect(i).toBeGreaterThanOrEqual(0);
    t.nodes[i] = Uint8Array.from(t.nodes[i]);
    t.nodes[i][t.nodes[i].length - 1] ^= 1;
    const verdict = await reexecuteBlock(t);
    expect(verdict.valid).toBe(false);
  });

  it('refuses an altered transaction', async () => {
    const t = fresh();
    const raw = t.transactions[1];
    t.transactions[1] = `${raw.slice(0, 40)}${raw[40] === '0' ? '1' : '0'}${raw.slice(41)}` as Hex;
    expect((await reexecuteBlock(t)).valid).toBe(false);
  });

  it('refuses a witness whose contract code was altered', async () => {
    const t = fresh();
    expect(t.codes.length).toBeGreaterThan(0);
    t.codes[0] = Uint8Array.from(t.codes[0]);
    t.codes[0][10] ^= 0xff;
    const verdict = await reexecuteBlock(t);
    expect(verdict).toEqual({ valid: false, reason: expect.stringMatching(/lacks the code/) });
  });

  it('refuses a trace whose deposit was altered (amount or recipient)', async () => {
    const t = fresh();
    t.priorityOps[0] = { ...t.priorityOps[0], amount: t.priorityOps[0].amount + 1n };
    expect(await reexecuteBlock(t)).toEqual({ valid: false, reason: expect.stringMatching(/^stateRoot differs/) });
  });

  it('refuses claimed withdrawals that re-execution does not produce', async () => {
    const t = fresh();
    t.claimed.withdrawals[0] = { ...t.claimed.withdrawals[0], l1Recipient: devAccount(7).address.toLowerCase() as Hex };
    expect(await reexecuteBlock(t)).toEqual({ valid: false, reason: 'withdrawals differ from the claimed ones' });
    const u = fresh();
    u.claimed.withdrawals = [];
    expect((await reexecuteBlock(u)).valid).toBe(false);
  });

  it('refuses a claimed post-state root that re-execution does not reach', async () => {
    const t = fresh();
    t.claimed.stateRoot = keccakHex(t.claimed.stateRoot);
    expect(await reexecuteBlock(t)).toEqual({ valid: false, reason: expect.stringMatching(/^stateRoot differs/) });
  });

  it('refuses a witness missing a node it needs', async () => {
    const t = fresh();
    t.nodes = t.nodes.filter((n) => keccakHex(n) !== t.preStateRoot);
    expect(await reexecuteBlock(t)).toEqual({ valid: false, reason: expect.stringMatching(/lacks a trie node/) });
  });

  it('refuses a trace of an unknown version', () => {
    const bytes = Uint8Array.from(traceBytes);
    bytes[0] = TRACE_VERSION + 1;
    expect(() => decodeTrace(bytes)).toThrow(/unknown trace version/);
  });

  it('holds no state: the same trace re-executes identically twice', async () => {
    const a = await reexecuteBlock(fresh());
    const b = await reexecuteBlock(fresh());
    expect(a).toEqual(b);
    expect(lower(token)).toBe(token.toLowerCase());
  });

  it('encodes exactly as the pinned golden vector of trace version 2', () => {
    // Fixed inputs (dev keys, RFC 6979 signatures, fixed timestamps, pinned solc) give fixed bytes.
    // A deliberate format change bumps TRACE_VERSION and regenerates with UPDATE_GOLDEN=1.
    const file = new URL('../fixtures/trace-v2.json', import.meta.url);
    const actual = { version: TRACE_VERSION, bytes: traceBytes.length, keccak: keccakHex(traceBytes) };
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });

  it('signs a statement over the re-executed block that ecrecover attributes to the prover', async () => {
    const trace = decodeTrace(traceBytes);
    const verdict = await reexecuteBlock(trace);
    if (!verdict.valid) throw new Error(verdict.reason);
    const statement = statementFor(trace, verdict.result, traceBytes);
    expect(statement).toEqual(
      expect.objectContaining({ blockHash: sealedHeader.hash, postStateRoot: sealedHeader.stateRoot, traceHash: keccakHex(traceBytes) }),
    );
    const proof = signStatement(statement, devKey(9));
    expect(proof.prover).toBe(devAccount(9).address.toLowerCase());
    expect((await recoverAddress({ hash: proof.digest, signature: proof.signature })).toLowerCase()).toBe(proof.prover);
    expect(recoverProver(proof)).toBe(proof.prover);
    // Any field of the statement changes the digest, so a signature covers all of them.
    const other = statementDigest({ ...statement, receiptsRoot: keccakHex(statement.receiptsRoot) });
    expect(other).not.toBe(proof.digest);
  });
});
