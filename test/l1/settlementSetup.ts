/**
 * Shared by the settlement tests (test/l1/settlement.test.ts, test/l1/reorgs.test.ts): a real
 * SequencerCore over node:sqlite whose sealed blocks are re-executed and signed by the prover code,
 * its own anvil per test with the L1 contracts deployed for the L2's genesis, and the Settler wired
 * to both. Register `afterEach(stopAll)` in each file.
 */
import { createTestClient, encodeFunctionData, type Hex, http, keccak256, parseAbi, toBytes } from 'viem';
import { expect } from 'vitest';
import { genesisCommitment } from '../../core/batches/batcher.ts';
import { L2_WITHDRAWALS_ADDRESS } from '../../core/bridge/withdrawals.ts';
import { parseChainConfig } from '../../core/chain/config.ts';
import type { StoredBlockProof } from '../../core/proving/aggregate.ts';
import { reexecuteBlock } from '../../core/proving/reexecute.ts';
import { signStatement, statementFor } from '../../core/proving/statement.ts';
import { type BlockTrace, decodeTrace, encodeTrace } from '../../core/proving/trace.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { coreChainPort } from '../../core/settlement/chainPort.ts';
import { bridgeAbi, rollupAbi } from '../../core/settlement/l1Abi.ts';
import type { L1Client } from '../../core/settlement/l1Client.ts';
import { type ChainPort, type L1Counts, type ProofSource, SETTLEMENT_DEFAULTS, type SettlementConfig, Settler } from '../../core/settlement/settler.ts';
import type { SqlPort } from '../../core/storage/sql.ts';
import type { CheckedTransaction } from '../../core/tx/decodeTransaction.ts';
import { type Anvil, startAnvil } from '../../scripts/lib/anvil.ts';
import { deployL1, type L1Deployment, l1Clients } from '../../scripts/lib/l1.ts';
import { viemL1Client } from '../../workers/settlement/viemL1Client.ts';
import { checkedTx, devAccount, devKey } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';
import { type L1, send } from './helpers.ts';

export const OPERATOR = 8;
export const PROVER = 9;
const L2_CHAIN_ID = 31337n;
export const l2Config = parseChainConfig({ DEV_CHAIN: '1', BATCH_MAX_BLOCKS: '2' });
const withdrawAbi = parseAbi(['function withdraw(address l1Recipient) payable returns (uint256)']);
export const fresh = (label: string): Hex => `0x${keccak256(toBytes(label)).slice(26)}`;

// ---- the L2: a real sequencer core, its blocks proven by the prover code -----------------------

/** Re-executes a sealed block from its trace bytes alone and signs the statement, as the prover does. */
async function proveBlock(trace: BlockTrace, key: Hex): Promise<StoredBlockProof> {
  const bytes = encodeTrace(trace);
  const verdict = await reexecuteBlock(decodeTrace(bytes), l2Config);
  if (!verdict.valid) throw new Error(`block ${trace.env.number} does not re-execute: ${verdict.reason}`);
  const { statement, signature } = signStatement(statementFor(trace, verdict.result, bytes), key);
  return { statement, signature };
}

export class L2 {
  readonly core: SequencerCore;
  /** Block proofs by block number: what the provers stored. */
  readonly proofs = new Map<number, StoredBlockProof>();
  /** Traces of the sealed blocks, to prove later the ones left unproven. */
  readonly traces = new Map<number, BlockTrace>();
  /** The sequencer's wall clock (ms): seals and closing by age read it, so tests move it. */
  clock = Date.now();
  private readonly nonces = new Map<number, number>();

  /** The ChainPort over the core, as the Sequencer Durable Object serves it. */
  readonly port: ChainPort;

  private constructor(core: SequencerCore) {
    this.core = core;
    this.port = coreChainPort(core, () => this.clock);
  }

  static async create(): Promise<L2> {
    const core = new SequencerCore(nodeSql(), l2Config);
    await core.init();
    return new L2(core);
  }

  genesis() {
    const header = this.core.block(0n, false);
    if (!header) throw new Error('no genesis block');
    return genesisCommitment(header);
  }

  async tx(from: number, call: { to: Hex; value?: bigint; data?: Hex; gas?: bigint }): Promise<CheckedTransaction> {
    const nonce = this.nonces.get(from) ?? 0;
    this.nonces.set(from, nonce + 1);
    return checkedTx(l2Config, from, nonce, call);
  }

  transfer(from: number, value = 10n ** 15n) {
    return this.tx(from, { to: fresh(`transfer from ${from} nonce ${this.nonces.get(from) ?? 0}`), value, gas: 21_000n });
  }

  withdraw(from: number, l1Recipient: Hex, value: bigint) {
    return this.tx(from, {
      to: L2_WITHDRAWALS_ADDRESS,
      value,
      data: encodeFunctionData({ abi: withdrawAbi, functionName: 'withdraw', args: [l1Recipient] }),
    });
  }

  /**
   * Seals one block holding `txs` (and any pending deposits) one second later, and proves it with
   * `prover` (the registered prover by default; null leaves it unproven).
   */
  async seal(txs: CheckedTransaction[], prover: Hex | null = devKey(PROVER)) {
    expect(this.core.submit(txs)).toEqual(txs.map((t) => ({ hash: t.hash })));
    this.clock += 1000;
    const sealed = await this.core.seal(this.clock, { trace: true });
    if (!sealed?.trace) throw new Error('nothing sealed');
    expect(sealed.included).toEqual(txs.map((t) => t.hash));
    const n = Number(sealed.header.number);
    this.traces.set(n, sealed.trace);
    if (prover) this.proofs.set(n, await proveBlock(sealed.trace, prover));
    return sealed;
  }

  /** Seals blocks of one transfer each until `batches` more batches are closed. */
  async fillBatches(batches: number, from = 0): Promise<number> {
    const target = this.core.batcher.lastBatchNumber() + batches;
    while (this.core.batcher.lastBatchNumber() < target) await this.seal([await this.transfer(from)]);
    return target;
  }

  async proveLater(block: number, key: Hex = devKey(PROVER)): Promise<void> {
    this.proofs.set(block, await proveBlock(this.traces.get(block) as BlockTrace, key));
  }

  readonly source: ProofSource = {
    blockProofs: async (first, last) => new Map([...this.proofs].filter(([n]) => n >= first && n <= last)),
  };
}

// ---- the L1: anvil per test, the contracts deployed for the L2's genesis -----------------------

export interface Setup {
  l1: L1;
  d: L1Deployment;
  l2: L2;
  /** The settlement worker's own SQLite (the Settlement Durable Object's storage). */
  sql: SqlPort;
  config: SettlementConfig;
  /** A Settler over `sql` (the setup's by default) and `l1` (viem over anvil by default: tests wrap it to inject faults). */
  settler(overrides?: Partial<SettlementConfig>, sql?: SqlPort, l1?: L1Client): Settler;
  /** The rollup's counts, read from L1 directly. */
  counts(): Promise<L1Counts>;
  operatorNonce(): Promise<number>;
  deposit(from: number, l2Recipient: Hex, amount: bigint): Promise<void>;
  test: ReturnType<typeof anvilTestClient>;
}

const anvilTestClient = (url: string) => createTestClient({ mode: 'anvil', transport: http(url) });

/** What to stop after each test, last first. */
export const stops: (() => Promise<void>)[] = [];
export async function stopAll(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) await stop();
}

export async function l1On(anvil: Anvil): Promise<L1> {
  return { anvil, url: anvil.url, ...(await l1Clients(anvil.url, 20)) };
}

export async function setup(opts: { anvilArgs?: string[] } = {}): Promise<Setup> {
  const anvil = await startAnvil({ args: opts.anvilArgs });
  const current = { anvil };
  stops.push(() => current.anvil.stop());
  const l1 = await l1On(anvil);
  const l2 = await L2.create();
  const d = await deployL1({
    rpcUrl: l1.url,
    deployerKey: devKey(0),
    operator: devAccount(OPERATOR).address,
    provers: [devAccount(PROVER).address],
    threshold: 1,
    l2ChainId: L2_CHAIN_ID,
    genesis: l2.genesis(),
  });
  const config: SettlementConfig = {
    ...SETTLEMENT_DEFAULTS,
    chainId: L2_CHAIN_ID,
    l1RpcUrl: l1.url,
    rollup: d.rollup,
    bridge: d.bridge,
    deployBlock: d.deployBlock,
    operatorKey: devKey(OPERATOR),
    proverKeys: [devKey(PROVER)],
    trustedProvers: [devAccount(PROVER).address],
    confirmations: 1,
    runBudgetMs: 5000,
  };
  const sql = nodeSql();
  const read = async (functionName: 'committedBatches' | 'provenBatches' | 'executedBatches') =>
    Number(await l1.publicClient.readContract({ address: d.rollup, abi: rollupAbi, functionName }));
  return {
    l1,
    d,
    l2,
    sql,
    config,
    settler: (overrides = {}, own = sql, client = viemL1Client(l1.url)) => new Settler(own, { ...config, ...overrides }, l2.port, l2.source, client),
    counts: async () => ({ committed: await read('committedBatches'), proven: await read('provenBatches'), executed: await read('executedBatches') }),
    operatorNonce: () => l1.publicClient.getTransactionCount({ address: devAccount(OPERATOR).address }),
    deposit: async (from, l2Recipient, amount) => {
      await send(l1, from, { address: d.bridge, abi: bridgeAbi, functionName: 'deposit', args: [l2Recipient], value: amount });
    },
    test: anvilTestClient(l1.url),
  };
}

/** Every hash `sent` mined successfully on L1. */
export async function expectAllSucceeded(s: Setup, hashes: Hex[]): Promise<void> {
  for (const hash of hashes) expect((await s.l1.publicClient.getTransactionReceipt({ hash })).status).toBe('success');
}
