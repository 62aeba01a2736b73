/**
 * EIP-2935 in plain Node: the history contract in genesis with the EIP's code, the parent hash the
 * sequencer core stores at the start of every block, the contract's `get` answering what BLOCKHASH
 * answers, and the prover re-executing the system call (and refusing a block whose history write
 * differs).
 */
import { Address, hexToBytes } from '@ethereumjs/util';
import { decodeFunctionResult, encodeDeployData, encodeFunctionData, keccak256 } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { bytesToHex, type Hex } from '../../core/chain/hex.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CODE } from '../../core/chain/standardContracts.ts';
import type { RpcBlockHeader } from '../../core/chain/types.ts';
import { HISTORY_SERVE_WINDOW, historySlot, storeParentHash } from '../../core/execution/blockHashHistory.ts';
import { simulate } from '../../core/execution/call.ts';
import { reexecuteBlock } from '../../core/proving/reexecute.ts';
import { type BlockTrace, decodeTrace, encodeTrace } from '../../core/proving/trace.ts';
import { buildGenesis } from '../../core/sequencer/genesis.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { envOf } from '../../core/simulation/chainView.ts';
import { OverlayStateManager } from '../../core/state/overlayState.ts';
import { TrieStateReader } from '../../core/state/trieState.ts';
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, type StateReader } from '../../core/state/types.ts';
import { compileContract } from '../../scripts/lib/compile.ts';
import { checkedTx } from '../support/accounts.ts';
import { rootWithHistoryWrite } from '../support/historyWrite.ts';
import { nodeSql } from '../support/nodeSql.ts';

/** The code hash EIP-2935 publishes for the contract ("Deployment" section of the EIP). */
const EIP_CODE_HASH: Hex = '0x6e49e66782037c0555897870e29fa5e552daf4719552131a0abce779daec0a5d';
const BLOCKS = 300;
const NOW = 1_800_000_000_000;
const config = parseChainConfig({ DEV_CHAIN: '1' });
const slotHex = (n: bigint) => bytesToHex(historySlot(n));

let seq: SequencerCore;
let reader: Hex;
let traceBytes: Uint8Array;
let traced: RpcBlockHeader;
const hashOf = (n: bigint) => (seq.block(n, false) as RpcBlockHeader).hash;

beforeAll(async () => {
  seq = new SequencerCore(nodeSql(), config);
  await seq.init();
  const { abi, bytecode } = compileContract('HistoryReader.sol');
  const deploy = await checkedTx(config, 0, 0, { data: encodeDeployData({ abi, bytecode }), gas: 1_000_000n });
  seq.submit([deploy]);
  await seq.seal(NOW);
  reader = seq.receipt(deploy.hash)?.contractAddress as Hex;
  // One transfer a block, from four senders, past the 256 blocks BLOCKHASH reaches.
  for (let i = 1; i < BLOCKS; i++) {
    const from = 1 + (i % 4);
    seq.submit([await checkedTx(config, from, Math.floor((i - 1) / 4), { to: '0x000000000000000000000000000000000000beef', value: 1n, gas: 21_000n })]);
    const sealed = await seq.seal(NOW + i * 1000, { trace: i === BLOCKS - 1 });
    if (i === BLOCKS - 1) {
      if (!sealed?.trace) throw new Error('no trace');
      traced = sealed.header;
      traceBytes = encodeTrace(sealed.trace);
    }
  }
}, 300_000);

describe('EIP-2935 history contract', () => {
  it('is in genesis with the code the EIP publishes (code hash), nonce 1 and empty storage', async () => {
    expect(keccak256(HISTORY_STORAGE_CODE)).toBe(EIP_CODE_HASH);
    const genesis = await buildGenesis(config);
    const account = genesis.diff.accounts.get(HISTORY_STORAGE_ADDRESS);
    expect(account).toEqual({ nonce: 1n, balance: 0n, codeHash: EIP_CODE_HASH, storageRoot: EMPTY_TRIE_ROOT });
    expect(genesis.diff.storage.get(HISTORY_STORAGE_ADDRESS)).toBeUndefined();
    expect(bytesToHex(genesis.diff.codes.get(EIP_CODE_HASH) as Uint8Array)).toBe(HISTORY_STORAGE_CODE);
  });

  it("holds each block's parent hash at slot (number - 1) % 8191 after every block", () => {
    expect(seq.headNumber).toBe(BigInt(BLOCKS));
    for (let n = 1n; n <= BigInt(BLOCKS); n++) {
      expect(seq.state.storage(HISTORY_STORAGE_ADDRESS, slotHex(n - 1n)), `block ${n}`).toBe(hashOf(n - 1n));
    }
    // Nothing for the head yet: its child writes it.
    expect(seq.state.storage(HISTORY_STORAGE_ADDRESS, slotHex(BigInt(BLOCKS)))).toBe('0x');
    // The history write is state: the contract's storage root moved from the empty trie.
    expect(seq.account(HISTORY_STORAGE_ADDRESS)?.storageRoot).not.toBe(EMPTY_TRIE_ROOT);
    expect(seq.account(HISTORY_STORAGE_ADDRESS)?.nonce).toBe(1n);
  });

  it("answers `get` with the same hash as BLOCKHASH and the block's own hash for each of the last 256 blocks, and refuses the current block", async () => {
    const { abi } = compileContract('HistoryReader.sol');
    const head = seq.head();
    const number = BigInt(head.number);
    const call = async (from: bigint, count: bigint) => {
      const out = await simulate(config, envOf(head), seq.state, (n) => hashOf(n), {
        to: reader,
        data: encodeFunctionData({ abi, functionName: 'hashes', args: [from, count] }),
      });
      return decodeFunctionResult({ abi, functionName: 'hashes', data: out.returnData }) as readonly [readonly Hex[], readonly Hex[]];
    };
    // A call runs in the head's block environment: the last 256 blocks are number - 256 .. number - 1.
    const [history, blockHashes] = await call(number - 256n, 256n);
    const expected = Array.from({ length: 256 }, (_, i) => hashOf(number - 256n + BigInt(i)));
    expect(history).toEqual(expected);
    expect(blockHashes).toEqual(expected);
    // Older than BLOCKHASH's window: the contract still serves it (up to 8191 back), BLOCKHASH answers zero.
    const [older, olderBlockHash] = await call(1n, 2n);
    expect(older).toEqual([hashOf(1n), hashOf(2n)]);
    expect(olderBlockHash).toEqual([`0x${'00'.repeat(32)}`, `0x${'00'.repeat(32)}`]);
    // The block the call runs in and later ones: the contract reverts (read as zero).
    const [current] = await call(number, 2n);
    expect(current).toEqual([`0x${'00'.repeat(32)}`, `0x${'00'.repeat(32)}`]);
  });

  it('skips the system call where the contract has no code (a chain whose genesis predates it), as the EIP says', async () => {
    const env = { ...envOf(seq.head()), number: 7n };
    const none: StateReader = { account: () => undefined, storage: () => '0x', code: () => undefined };
    const withoutAccount = new OverlayStateManager(none);
    await storeParentHash(withoutAccount, env);
    expect(withoutAccount.diff().storage.size).toBe(0);
    expect(withoutAccount.diff().accounts.size).toBe(0);
    // Someone sent ether to the address: an account without code is no contract either.
    const eoa: StateReader = {
      account: (a) => (a === HISTORY_STORAGE_ADDRESS ? { nonce: 0n, balance: 5n, codeHash: EMPTY_CODE_HASH, storageRoot: EMPTY_TRIE_ROOT } : undefined),
      storage: () => '0x',
      code: () => undefined,
    };
    const withoutCode = new OverlayStateManager(eoa);
    await storeParentHash(withoutCode, env);
    expect(withoutCode.diff().storage.size).toBe(0);
    // With the contract, the same call writes one slot.
    const withContract = new OverlayStateManager(seq.state);
    await storeParentHash(withContract, env);
    expect([...(withContract.diff().storage.get(HISTORY_STORAGE_ADDRESS) ?? [])]).toEqual([[slotHex(6n), env.parentHash]]);
    expect(await withContract.getStorage(new Address(hexToBytes(HISTORY_STORAGE_ADDRESS)), historySlot(6n))).toEqual(hexToBytes(env.parentHash));
  });

  it('wraps its ring buffer at 8191 blocks', () => {
    expect(HISTORY_SERVE_WINDOW).toBe(8191n);
    expect(slotHex(8190n)).toBe(`0x${'00'.repeat(30)}1ffe`);
    expect(slotHex(8191n)).toBe(slotHex(0n));
    expect(slotHex(8192n + 5n)).toBe(slotHex(6n));
  });
});

describe('the prover and the history write', () => {
  const fresh = (): BlockTrace => decodeTrace(traceBytes);

  it("re-executes a block with the system call from its trace alone: the witness holds the contract's account and slot", async () => {
    const t = fresh();
    expect(await reexecuteBlock(t, config)).toEqual({ valid: true, result: expect.objectContaining({ stateRoot: traced.stateRoot, blockHash: traced.hash }) });
    // The history write is not a transaction and reads no code: the trace carries no extra code or BLOCKHASH answer for it.
    expect(t.codes).toEqual([]);
    expect(t.blockHashes).toEqual([]);
    // The honest write, recomputed here, reaches the claimed root (so the two refusals below are about the write alone).
    expect(await rootWithHistoryWrite(config, fresh(), t.env.parentHash)).toBe(traced.stateRoot);
  });

  it('refuses a block whose claimed state has another hash in the history slot', async () => {
    const t = fresh();
    t.claimed.stateRoot = await rootWithHistoryWrite(config, fresh(), keccakHex(t.env.parentHash));
    expect(t.claimed.stateRoot).not.toBe(traced.stateRoot);
    expect(await reexecuteBlock(t, config)).toEqual({
      valid: false,
      reason: `stateRoot differs: claimed ${t.claimed.stateRoot}, re-executed ${traced.stateRoot}`,
    });
  });

  it('refuses a block whose sequencer skipped the system call', async () => {
    const t = fresh();
    t.claimed.stateRoot = await rootWithHistoryWrite(config, fresh(), undefined);
    expect(t.claimed.stateRoot).not.toBe(traced.stateRoot);
    expect(await reexecuteBlock(t, config)).toEqual({
      valid: false,
      reason: `stateRoot differs: claimed ${t.claimed.stateRoot}, re-executed ${traced.stateRoot}`,
    });
  });

  it("refuses a witness that lacks the history contract's storage path", async () => {
    const t = fresh();
    const storageRoot = seq.account(HISTORY_STORAGE_ADDRESS)?.storageRoot;
    // The contract's storage root before the traced block: the root node of the path to its slot.
    const nodes = new Map(t.nodes.map((n) => [keccakHex(n), n]));
    const pre = new TrieStateReader(t.preStateRoot, { node: (k) => nodes.get(`0x${k}`) }, { code: () => undefined });
    const preRoot = (await pre.account(HISTORY_STORAGE_ADDRESS))?.storageRoot as Hex;
    expect(preRoot).not.toBe(storageRoot);
    expect(nodes.has(preRoot)).toBe(true);
    t.nodes = t.nodes.filter((n) => keccakHex(n) !== preRoot);
    expect(await reexecuteBlock(t, config)).toEqual({ valid: false, reason: expect.stringMatching(/lacks a trie node/) });
  });
});
