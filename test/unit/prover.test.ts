/**
 * Stateless re-execution in plain Node: a block sealed by the sequencer core is re-executed from
 * its trace blob alone (the bytes, nothing else), and every kind of tampering is refused.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { encodeDeployData, encodeFunctionData, parseAbi, parseEther, recoverAddress } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { depositTxHash } from '../../core/bridge/depositTx.ts';
import { L2_WITHDRAWALS_ADDRESS } from '../../core/bridge/withdrawals.ts';
import { parseChainConfig } from '../../core/chain/config.ts';
import { encodeHeader } from '../../core/chain/headerRlp.ts';
import { type Hex, lower } from '../../core/chain/hex.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import type { RpcBlockHeader } from '../../core/chain/types.ts';
import { nextBaseFee } from '../../core/execution/baseFee.ts';
import { reexecuteBlock } from '../../core/proving/reexecute.ts';
import { BLOCK_STATEMENT_VERSION, recoverProver, signStatement, statementDigest, statementFor } from '../../core/proving/statement.ts';
import { type BlockTrace, decodeTrace, encodeTrace, MAX_TRACE_HEADERS, TRACE_VERSION } from '../../core/proving/trace.ts';
import { buildGenesis } from '../../core/sequencer/genesis.ts';
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
let sealedHeader: RpcBlockHeader;

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
  // The deposit is the block's first transaction, the five sent ones follow.
  const block = seq.block(2n, false) as { transactions: Hex[] };
  expect(block.transactions).toEqual([depositTxHash(sealed.trace.priorityOps[0]), ...sealed.included]);
  expect(sealed.trace.claimed.withdrawals.map((w) => w.amount)).toEqual([parseEther('0.5')]);
  sealedHeader = sealed.header;
  traceBytes = encodeTrace(sealed.trace);
});

const fresh = (): BlockTrace => decodeTrace(traceBytes);

describe('stateless re-execution from a trace blob', () => {
  it('re-executes the block from its bytes alone and reaches the sealed state root and hash', async () => {
    expect(traceBytes[0]).toBe(TRACE_VERSION);
    const verdict = await reexecuteBlock(decodeTrace(traceBytes), config);
    expect(verdict).toEqual({ valid: true, result: expect.objectContaining({ stateRoot: sealedHeader.stateRoot, blockHash: sealedHeader.hash }) });
    // No BLOCKHASH read: the parent header alone, and it hashes to the block's parent hash.
    expect(fresh().headers.map(keccakHex)).toEqual([sealedHeader.parentHash]);
  });

  it('refuses a witness whose storage was altered', async () => {
    const t = fresh();
    const i = t.nodes.findIndex((n) => keccakHex(n) === tokenStorageRoot);
    expect(i).toBeGreaterThanOrEqual(0);
    t.nodes[i] = Uint8Array.from(t.nodes[i]);
    t.nodes[i][t.nodes[i].length - 1] ^= 1;
    const verdict = await reexecuteBlock(t, config);
    expect(verdict.valid).toBe(false);
  });

  it('refuses an altered transaction', async () => {
    const t = fresh();
    const raw = t.transactions[1];
    t.transactions[1] = `${raw.slice(0, 40)}${raw[40] === '0' ? '1' : '0'}${raw.slice(41)}` as Hex;
    expect((await reexecuteBlock(t, config)).valid).toBe(false);
  });

  it('refuses a witness whose contract code was altered', async () => {
    const t = fresh();
    expect(t.codes.length).toBeGreaterThan(0);
    t.codes[0] = Uint8Array.from(t.codes[0]);
    t.codes[0][10] ^= 0xff;
    const verdict = await reexecuteBlock(t, config);
    expect(verdict).toEqual({ valid: false, reason: expect.stringMatching(/lacks the code/) });
  });

  it('refuses a trace whose deposit was altered (amount or recipient)', async () => {
    const t = fresh();
    t.priorityOps[0] = { ...t.priorityOps[0], amount: t.priorityOps[0].amount + 1n };
    expect(await reexecuteBlock(t, config)).toEqual({ valid: false, reason: expect.stringMatching(/^stateRoot differs/) });
  });

  it('refuses a trace whose deposit transaction differs from its priority operation', async () => {
    // The block's deposit transaction is derived from the operation; the L1 sender moves no state on
    // L2, so only the transactions root (and the receipts root: the log names it) can tell.
    const t = fresh();
    t.priorityOps[0] = { ...t.priorityOps[0], l1Sender: devAccount(8).address.toLowerCase() as Hex };
    expect(await reexecuteBlock(t, config)).toEqual({ valid: false, reason: expect.stringMatching(/^transactionsRoot differs/) });
  });

  it('refuses claimed withdrawals that re-execution does not produce', async () => {
    const t = fresh();
    t.claimed.withdrawals[0] = { ...t.claimed.withdrawals[0], l1Recipient: devAccount(7).address.toLowerCase() as Hex };
    expect(await reexecuteBlock(t, config)).toEqual({ valid: false, reason: 'withdrawals differ from the claimed ones' });
    const u = fresh();
    u.claimed.withdrawals = [];
    expect((await reexecuteBlock(u, config)).valid).toBe(false);
  });

  it('refuses a claimed post-state root that re-execution does not reach', async () => {
    const t = fresh();
    t.claimed.stateRoot = keccakHex(t.claimed.stateRoot);
    expect(await reexecuteBlock(t, config)).toEqual({ valid: false, reason: expect.stringMatching(/^stateRoot differs/) });
  });

  it('refuses a witness missing a node it needs', async () => {
    const t = fresh();
    t.nodes = t.nodes.filter((n) => keccakHex(n) !== t.preStateRoot);
    expect(await reexecuteBlock(t, config)).toEqual({ valid: false, reason: expect.stringMatching(/lacks a trie node/) });
  });

  it('refuses a trace of an unknown version', () => {
    const bytes = Uint8Array.from(traceBytes);
    bytes[0] = TRACE_VERSION + 1;
    expect(() => decodeTrace(bytes)).toThrow(/unknown trace version/);
    // Version 2 traces carry no headers to check the block's environment against: refused too.
    bytes[0] = 2;
    expect(() => decodeTrace(bytes)).toThrow('unknown trace version 2, this prover reads version 3');
  });

  it('holds no state: the same trace re-executes identically twice', async () => {
    const a = await reexecuteBlock(fresh(), config);
    const b = await reexecuteBlock(fresh(), config);
    expect(a).toEqual(b);
    expect(lower(token)).toBe(token.toLowerCase());
  });

  it('encodes exactly as the pinned golden vector of trace version 3', () => {
    // Fixed inputs (dev keys, RFC 6979 signatures, fixed timestamps, pinned solc) give fixed bytes.
    // A deliberate format change bumps TRACE_VERSION and regenerates with UPDATE_GOLDEN=1.
    const file = new URL('../fixtures/trace-v3.json', import.meta.url);
    const actual = { version: TRACE_VERSION, bytes: traceBytes.length, keccak: keccakHex(traceBytes) };
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });

  it('states the block exactly as the pinned golden vector of block statement version 3', async () => {
    // The statement of the golden trace's block and its digest (what a prover signs). A deliberate
    // change of the statement bumps BLOCK_STATEMENT_VERSION and regenerates with UPDATE_GOLDEN=1.
    const trace = decodeTrace(traceBytes);
    const verdict = await reexecuteBlock(trace, config);
    if (!verdict.valid) throw new Error(verdict.reason);
    const statement = statementFor(trace, verdict.result, traceBytes);
    const file = new URL('../fixtures/statement-v3.json', import.meta.url);
    const actual = {
      version: BLOCK_STATEMENT_VERSION,
      statement: JSON.parse(JSON.stringify(statement, (_, v) => (typeof v === 'bigint' ? v.toString() : v))),
      digest: statementDigest(statement),
    };
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });

  it('signs a statement over the re-executed block that ecrecover attributes to the prover', async () => {
    const trace = decodeTrace(traceBytes);
    const verdict = await reexecuteBlock(trace, config);
    if (!verdict.valid) throw new Error(verdict.reason);
    const statement = statementFor(trace, verdict.result, traceBytes);
    expect(statement).toEqual(
      expect.objectContaining({
        blockHash: sealedHeader.hash,
        parentHash: sealedHeader.parentHash,
        postStateRoot: sealedHeader.stateRoot,
        traceHash: keccakHex(traceBytes),
      }),
    );
    const proof = signStatement(statement, devKey(9));
    expect(proof.prover).toBe(devAccount(9).address.toLowerCase());
    expect((await recoverAddress({ hash: proof.digest, signature: proof.signature })).toLowerCase()).toBe(proof.prover);
    expect(recoverProver(proof)).toBe(proof.prover);
    // Any field of the statement changes the digest, so a signature covers all of them.
    const other = statementDigest({ ...statement, receiptsRoot: keccakHex(statement.receiptsRoot) });
    expect(other).not.toBe(proof.digest);
    expect(statementDigest({ ...statement, parentHash: keccakHex(statement.parentHash) })).not.toBe(proof.digest);
  });
});

describe("the block's environment, judged against its parent header and the chain's configuration", () => {
  const parent = () => seq.block(1n, false) as RpcBlockHeader;
  const refusal = async (t: BlockTrace, chain = config) => {
    const verdict = await reexecuteBlock(t, chain);
    if (verdict.valid) throw new Error('the prover accepted it');
    return verdict.reason;
  };

  it('refuses a parent hash that is not the hash of the parent header the trace carries', async () => {
    const t = fresh();
    const forged = keccakHex(t.env.parentHash);
    t.env.parentHash = forged;
    expect(await refusal(t)).toBe(`the parent header hashes to ${parent().hash}, not to the block's parent hash ${forged}`);
  });

  it('refuses an altered parent header', async () => {
    const t = fresh();
    t.headers[0] = Uint8Array.from(t.headers[0]);
    t.headers[0][t.headers[0].length - 300] ^= 1; // inside the logs bloom: still a well-formed header
    expect(await refusal(t)).toBe(`the parent header hashes to ${keccakHex(t.headers[0])}, not to the block's parent hash ${parent().hash}`);
  });

  it('refuses a parent header of another block, and a trace without one', async () => {
    const t = fresh();
    const genesis = seq.block(0n, false) as RpcBlockHeader;
    t.headers = [encodeHeader(genesis)];
    t.env.parentHash = genesis.hash;
    expect(await refusal(t)).toBe('the parent header is block 0, not block 1');
    const u = fresh();
    u.headers = [];
    expect(await refusal(u)).toBe('the trace carries no parent header');
  });

  it('refuses a pre-state root that is not the state root in the parent header', async () => {
    const t = fresh();
    const forged = keccakHex(t.preStateRoot);
    t.preStateRoot = forged;
    expect(await refusal(t)).toBe(`pre-state root ${forged} is not the parent's state root ${parent().stateRoot}`);
  });

  it('refuses a base fee that is not EIP-1559 from the parent, with the floor', async () => {
    const p = parent();
    const expected = nextBaseFee(
      { number: 1n, baseFeePerGas: BigInt(p.baseFeePerGas), gasUsed: BigInt(p.gasUsed), gasLimit: BigInt(p.gasLimit) },
      config.baseFeeFloor,
    );
    expect(fresh().env.baseFeePerGas).toBe(expected);
    const t = fresh();
    t.env.baseFeePerGas = expected + 1n;
    expect(await refusal(t)).toBe(
      `base fee ${expected + 1n} is not ${expected}, EIP-1559 from the parent (base fee ${BigInt(p.baseFeePerGas)}, gas used ${BigInt(p.gasUsed)} of ${BigInt(p.gasLimit)}, floor ${config.baseFeeFloor})`,
    );
    // The floor is the prover's chain's: a higher floor makes the same block's base fee wrong.
    const floor = expected + 5n;
    const higherFloor = parseChainConfig({ DEV_CHAIN: '1', BASE_FEE_FLOOR: floor.toString(), GENESIS_BASE_FEE: (floor * 2n).toString() });
    expect(await refusal(fresh(), higherFloor)).toMatch(new RegExp(`^base fee ${expected} is not ${floor}, EIP-1559 from the parent .* floor ${floor}\\)$`));
  });

  it("refuses a timestamp before the parent's", async () => {
    const t = fresh();
    const parentTime = BigInt(parent().timestamp);
    t.env.timestamp = parentTime - 1n;
    expect(await refusal(t)).toBe(`timestamp ${parentTime - 1n} is before the parent's ${parentTime}`);
  });

  it("refuses a gas limit other than the chain's, whatever the trace says", async () => {
    const t = fresh();
    t.env.gasLimit = config.blockGasLimit * 2n;
    expect(await refusal(t)).toBe(`gas limit ${config.blockGasLimit * 2n} is not the chain's ${config.blockGasLimit}`);
    const smaller = parseChainConfig({ DEV_CHAIN: '1', BLOCK_GAS_LIMIT: '20000000' });
    expect(await refusal(fresh(), smaller)).toBe(`gas limit ${config.blockGasLimit} is not the chain's 20000000`);
  });

  it("refuses a fee recipient other than the chain's", async () => {
    const t = fresh();
    const other = lower(devAccount(5).address);
    t.env.coinbase = other;
    expect(await refusal(t)).toBe(`fee recipient ${other} is not the chain's ${lower(config.feeRecipient)}`);
    const elsewhere = parseChainConfig({ DEV_CHAIN: '1', FEE_RECIPIENT: devAccount(5).address });
    expect(await refusal(fresh(), elsewhere)).toBe(`fee recipient ${lower(config.feeRecipient)} is not the chain's ${other}`);
  });

  it('refuses a prevRandao that is not keccak256 of the parent hash', async () => {
    const t = fresh();
    const forged = keccakHex(t.env.prevRandao);
    t.env.prevRandao = forged;
    expect(await refusal(t)).toBe(`prevRandao ${forged} is not keccak256 of the parent hash (${keccakHex(parent().hash)})`);
  });

  it("refuses a trace of another chain id than the prover's", async () => {
    expect(await refusal(fresh(), parseChainConfig({ DEV_CHAIN: '1', CHAIN_ID: '1' }))).toBe(`chain id ${config.chainId} is not this chain's 1`);
  });

  it('proves block 1 only on the chain whose genesis is its parent', async () => {
    const chain = new SequencerCore(nodeSql(), config);
    await chain.init();
    chain.submit([await sign(0, 0, { to: '0x000000000000000000000000000000000000beef', value: 1n, gas: 21_000n })]);
    const sealed = await chain.seal(NOW, { trace: true });
    if (!sealed?.trace) throw new Error('no trace');
    const trace = decodeTrace(encodeTrace(sealed.trace));
    expect(await reexecuteBlock(trace, config)).toEqual({ valid: true, result: expect.objectContaining({ blockHash: sealed.header.hash }) });
    // Same chain id, gas limit and fee recipient, another genesis allocation: another genesis hash.
    const other = parseChainConfig({ DEV_CHAIN: '1', GENESIS_ACCOUNTS: `${devAccount(0).address}=1` });
    const genesis = (await buildGenesis(other)).header.hash;
    expect(await refusal(trace, other)).toBe(`the parent ${sealed.header.parentHash} is not this chain's genesis ${genesis}`);
  });
});

describe('BLOCKHASH answers, checked against the chain of headers in the trace', () => {
  // Init code that stores BLOCKHASH(NUMBER - k) in slot i for each (k, i), then stops.
  const readsHashes = (ks: number[]): Hex =>
    `0x${ks.map((k, i) => `61${k.toString(16).padStart(4, '0')}430340${`60${i.toString(16).padStart(2, '0')}`}55`).join('')}00`;
  let chain: SequencerCore;
  let number: bigint;
  let bytes: Uint8Array;
  let header: RpcBlockHeader;
  const hashOf = (n: bigint) => (chain.block(n, false) as RpcBlockHeader).hash;
  const trace = () => decodeTrace(bytes);
  const refusal = async (t: BlockTrace) => {
    const verdict = await reexecuteBlock(t, config);
    if (verdict.valid) throw new Error('the prover accepted it');
    return verdict.reason;
  };

  beforeAll(async () => {
    chain = new SequencerCore(nodeSql(), config);
    await chain.init();
    // 260 blocks, so that the block after them reads the oldest hash BLOCKHASH can reach.
    const senders = [1, 2, 3, 4];
    for (let i = 0; i < 260; i++) {
      const from = senders[i % 4];
      chain.submit([await sign(from, Math.floor(i / 4), { to: '0x000000000000000000000000000000000000beef', value: 1n, gas: 21_000n })]);
      await chain.seal(NOW + i * 1000);
    }
    // Reads the parent, the block 4 back, the oldest in reach (256 back) and one out of reach (257 back: zero, read from no header).
    chain.submit([await sign(0, 0, { data: readsHashes([1, 4, 256, 257]), gas: 200_000n })]);
    const sealed = await chain.seal(NOW + 261_000, { trace: true });
    if (!sealed?.trace) throw new Error('no trace');
    header = sealed.header;
    number = BigInt(header.number);
    bytes = encodeTrace(sealed.trace);
  }, 120_000);

  it('carries the headers back to the oldest block read, 256 of them, and re-executes with the answers it vouches for', async () => {
    const t = trace();
    expect(number).toBe(261n);
    expect(t.blockHashes.map(([n]) => n).sort((a, b) => Number(a - b))).toEqual([number - 256n, number - 4n, number - 1n]);
    expect(t.headers.length).toBe(MAX_TRACE_HEADERS);
    expect(t.headers.map(keccakHex)).toEqual(Array.from({ length: 256 }, (_, i) => hashOf(number - 1n - BigInt(i))));
    expect(await reexecuteBlock(t, config)).toEqual({ valid: true, result: expect.objectContaining({ blockHash: header.hash }) });
  });

  it('refuses a BLOCKHASH answer that is not the hash of its header in the chain', async () => {
    const t = trace();
    const i = t.blockHashes.findIndex(([n]) => n === number - 4n);
    const forged = keccakHex(t.blockHashes[i][1]);
    t.blockHashes[i] = [number - 4n, forged];
    expect(await refusal(t)).toBe(`the BLOCKHASH answer for block ${number - 4n} is ${forged}, its header in the chain hashes to ${hashOf(number - 4n)}`);
  });

  it('refuses an altered header anywhere in the chain', async () => {
    for (const i of [1, 100, 255]) {
      const t = trace();
      t.headers[i] = Uint8Array.from(t.headers[i]);
      t.headers[i][t.headers[i].length - 300] ^= 1;
      const n = number - 1n - BigInt(i);
      expect(await refusal(t)).toBe(`the header of block ${n} hashes to ${keccakHex(t.headers[i])}, not to the parent hash ${hashOf(n)} of block ${n + 1n}`);
    }
  });

  it('refuses a header chain that stops short of a block whose hash was read', async () => {
    const t = trace();
    t.headers = t.headers.slice(0, 255);
    expect(await refusal(t)).toBe(`the header chain does not reach block ${number - 256n}, whose hash BLOCKHASH read`);
  });

  it('refuses a trace that lacks an answer the execution asks for', async () => {
    const t = trace();
    t.blockHashes = t.blockHashes.filter(([n]) => n !== number - 4n);
    expect(await refusal(t)).toMatch(new RegExp(`the trace lacks the BLOCKHASH answer for block ${number - 4n}$`));
  });

  it('refuses an answer for a block BLOCKHASH cannot reach', async () => {
    const t = trace();
    t.blockHashes.push([number, header.hash]);
    expect(await refusal(t)).toBe(`a BLOCKHASH answer for block ${number}, outside the 256 blocks before block ${number}`);
  });

  it('proves the next block reading as far back, whose headers the sequencer kept encoded', async () => {
    chain.submit([await sign(0, 1, { data: readsHashes([2, 256]), gas: 200_000n })]);
    const sealed = await chain.seal(NOW + 262_000, { trace: true });
    if (!sealed?.trace) throw new Error('no trace');
    const next = decodeTrace(encodeTrace(sealed.trace));
    expect(next.headers.map(keccakHex)).toEqual(Array.from({ length: 256 }, (_, i) => hashOf(number - BigInt(i))));
    expect(await reexecuteBlock(next, config)).toEqual({ valid: true, result: expect.objectContaining({ blockHash: sealed.header.hash }) });
  });

  it('refuses to decode a trace with more headers than BLOCKHASH can need', () => {
    const t = trace();
    t.headers.push(encodeHeader(chain.block(number - 257n, false) as RpcBlockHeader));
    expect(() => decodeTrace(encodeTrace(t))).toThrow(`trace does not have the version 3 shape: 257 headers, more than ${MAX_TRACE_HEADERS}`);
  });
});
