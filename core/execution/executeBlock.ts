import { createBlock } from '@ethereumjs/block';
import type { EVMOpts } from '@ethereumjs/evm';
import { createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx';
import { Address } from '@ethereumjs/util';
import { createVM, encodeReceipt, type PostByzantiumTxReceipt, type RunTxResult, runTx, type VM } from '@ethereumjs/vm';
import { depositReceipt, encodeDepositReceipt, encodeDepositTx } from '../bridge/depositTx.ts';
import type { PriorityOp } from '../bridge/priorityOps.ts';
import { L2_WITHDRAWALS_ADDRESS, WITHDRAWAL_EVENT_TOPIC, type Withdrawal } from '../bridge/withdrawals.ts';
import { chainCommon } from '../chain/common.ts';
import type { ChainConfig } from '../chain/config.ts';
import type { Hex } from '../chain/hex.ts';
import { bytesToHex, hexToBytes, minBigInt } from '../chain/hex.ts';
import { keccakHex } from '../chain/keccak.ts';
import { OverlayStateManager } from '../state/overlayState.ts';
import type { StateDiff, StateReader } from '../state/types.ts';
import { storeParentHash } from './blockHashHistory.ts';
import { ComputeBudgetExceeded, type ComputeMeter } from './computeBudget.ts';
import { ethereumjsReason } from './errors.ts';
import { orderedTrieRoot } from './orderedTrie.ts';

/** The environment a block executes in; everything here is part of the block header. */
export interface BlockEnv {
  number: bigint;
  parentHash: Hex;
  timestamp: bigint;
  baseFeePerGas: bigint;
  gasLimit: bigint;
  coinbase: Hex;
  prevRandao: Hex;
}

/** A transaction ready to run: raw bytes plus what the edge already established. */
export interface ExecutableTx {
  raw: Hex;
  hash: Hex;
  sender: Hex;
  senderPubKey: Hex;
}

export interface IncludedTx {
  tx: TypedTransaction;
  /** The signed transaction as submitted (its canonical encoding: decoding refuses any other). */
  raw: Hex;
  hash: Hex;
  sender: Hex;
  result: RunTxResult;
  /** Gas used by the block up to and including this transaction. */
  cumulativeGasUsed: bigint;
  effectiveGasPrice: bigint;
}

/** A priority operation as its block holds it: a deposit transaction (core/bridge/depositTx.ts). */
export interface IncludedDeposit {
  op: PriorityOp;
  raw: Hex;
  hash: Hex;
  receipt: PostByzantiumTxReceipt;
}

export type TxOutcome =
  | { hash: Hex; status: 'included'; index: number }
  | { hash: Hex; status: 'deferred'; reason: string }
  | { hash: Hex; status: 'dropped'; reason: string };

export interface BlockExecution {
  /** The block's deposit transactions, first in the block, in queue order. */
  deposits: IncludedDeposit[];
  /** The block's executed transactions, after its deposits. */
  included: IncludedTx[];
  outcomes: TxOutcome[];
  gasUsed: bigint;
  diff: StateDiff;
  transactionsRoot: Hex;
  receiptsRoot: Hex;
  logsBloom: Uint8Array;
  /** Withdrawals the block's transactions made through the L2Withdrawals system contract, in order. */
  withdrawals: (Withdrawal & { txHash: Hex })[];
}

/** What goes into a block: L1 priority operations first, in queue order, then transactions. */
export interface BlockInput {
  priorityOps: PriorityOp[];
  txs: ExecutableTx[];
}

/** What an observer of one transaction's execution is given. */
export interface TxContext {
  vm: VM;
  tx: TypedTransaction;
  hash: Hex;
  /** The transaction's position in its block, its deposit transactions counted (0 for a call). */
  index: number;
  env: BlockEnv;
  /** How many logs the block's earlier transactions emitted: geth's index of this transaction's first log (0 if absent). */
  logIndex?: number;
}

/**
 * Watches transactions as a block or a call executes them: tracers (core/tracing) subscribe to the
 * EVM's events (`vm.evm.events`: step, beforeMessage, afterMessage, newContract) in `before` and
 * unsubscribe in `after`. `after` gets no result when the transaction did not run (dropped, or the
 * run threw). Observers see the state through `vm.stateManager`; they must not change it.
 */
export interface TxObserver {
  before(ctx: TxContext): void | Promise<void>;
  after(ctx: TxContext, result: RunTxResult | undefined): void | Promise<void>;
}

/** Recent block hashes for the BLOCKHASH opcode (the previous 256 blocks); calls may look them up asynchronously. */
export type BlockHashLookup = (number: bigint) => Hex | undefined | Promise<Hex | undefined>;

export function materialize(t: ExecutableTx, chainId: bigint): TypedTransaction {
  const tx = createTxFromRLP(hexToBytes(t.raw), { common: chainCommon(chainId) });
  // The edge already verified the signature and recovered the key: don't pay for it twice.
  tx.cache.senderPubKey = hexToBytes(t.senderPubKey);
  tx.cache.hash = hexToBytes(t.hash);
  return tx;
}

const NO_STATE: StateReader = { account: () => undefined, storage: () => '0x', code: () => undefined };

/**
 * One EVM kept across blocks: building a VM costs milliseconds (EVM setup, chain parameters),
 * more than executing a small block. Each use resets the overlay state and the block hash source.
 * Execution never yields to other work mid-block (state reads resolve without I/O), and each
 * owner (sequencer, call simulation, prover) keeps its own executor.
 */
export class Executor {
  readonly state: OverlayStateManager;
  private readonly config: ChainConfig;
  private readonly evmOpts: EVMOpts | undefined;
  private vm: VM | undefined;
  private hashes: BlockHashLookup = () => undefined;

  /** `evmOpts`: extra EVM options, e.g. the metered opcodes of call simulation (core/simulation/meter.ts). */
  constructor(config: ChainConfig, state: OverlayStateManager = new OverlayStateManager(NO_STATE), evmOpts?: EVMOpts) {
    this.config = config;
    this.state = state;
    this.evmOpts = evmOpts;
  }

  async prepare(reader: StateReader, blockHash: BlockHashLookup): Promise<VM> {
    this.state.reset(reader);
    this.hashes = blockHash;
    this.vm ??= await createVM({
      common: chainCommon(this.config.chainId),
      stateManager: this.state,
      evmOpts: this.evmOpts,
      blockchain: {
        getBlock: async (n: number) => {
          const h = await this.hashes(BigInt(n));
          return { hash: () => (h ? hexToBytes(h) : new Uint8Array(32)) };
        },
        putBlock: async () => {},
        shallowCopy() {
          return this;
        },
      } as never,
    });
    return this.vm;
  }
}

export function envBlock(config: ChainConfig, env: BlockEnv) {
  return createBlock(
    {
      header: {
        number: env.number,
        parentHash: hexToBytes(env.parentHash),
        timestamp: env.timestamp,
        gasLimit: env.gasLimit,
        baseFeePerGas: env.baseFeePerGas,
        coinbase: new Address(hexToBytes(env.coinbase)),
        mixHash: hexToBytes(env.prevRandao),
      },
    },
    { common: chainCommon(config.chainId) },
  );
}

/**
 * Stores the parent's hash in EIP-2935's history contract (blockHashHistory.ts), applies the block's
 * L1 priority operations (deposits credit their recipient; no code runs), each a deposit transaction
 * with its receipt at the block's start, then runs transactions in the given order on top of
 * `reader`'s state. A transaction that cannot run
 * in this block (fee below base fee, no gas room, nonce gap) is deferred with the rest of its
 * sender's transactions; one that can never run (nonce too low, insufficient funds) is dropped.
 * The same function runs in the sequencer and, from a trace's witness, in the prover.
 */
export async function executeBlock(
  config: ChainConfig,
  env: BlockEnv,
  input: BlockInput,
  reader: StateReader,
  blockHash: BlockHashLookup,
  executor: Executor = new Executor(config),
  budget?: ComputeMeter,
  observer?: TxObserver,
): Promise<BlockExecution> {
  const vm = await executor.prepare(reader, blockHash);
  budget?.attach(vm);
  const state = executor.state;
  const block = envBlock(config, env);
  const included: IncludedTx[] = [];
  const outcomes: TxOutcome[] = [];
  const blocked = new Set<Hex>();
  let gasUsed = 0n;
  /** The block's weighted gas so far (budget only). */
  let weighted = 0n;
  const overBudget = (t: ExecutableTx, reason: string) => {
    blocked.add(t.sender);
    // A transaction that does not fit what is left waits for a fresh block; one that does not fit an empty one never will.
    if (included.length > 0) outcomes.push({ hash: t.hash, status: 'deferred', reason: 'block compute budget reached' });
    else outcomes.push({ hash: t.hash, status: 'dropped', reason });
  };
  await storeParentHash(state, env);
  const deposits: IncludedDeposit[] = [];
  for (const op of input.priorityOps) {
    const recipient = new Address(hexToBytes(op.l2Recipient));
    const account = await state.getAccount(recipient);
    await state.modifyAccountFields(recipient, { balance: (account?.balance ?? 0n) + op.amount });
    const raw = encodeDepositTx(op);
    deposits.push({ op, raw: bytesToHex(raw), hash: keccakHex(raw), receipt: depositReceipt(op, 0n) });
  }
  for (const t of input.txs) {
    if (blocked.has(t.sender)) {
      outcomes.push({ hash: t.hash, status: 'deferred', reason: 'an earlier transaction of the sender waits' });
      continue;
    }
    const tx = materialize(t, config.chainId);
    const maxFee = 'maxFeePerGas' in tx ? tx.maxFeePerGas : tx.gasPrice;
    if (maxFee < env.baseFeePerGas) {
      blocked.add(t.sender);
      outcomes.push({ hash: t.hash, status: 'deferred', reason: 'max fee per gas below base fee' });
      continue;
    }
    if (gasUsed + tx.gasLimit > env.gasLimit) {
      blocked.add(t.sender);
      outcomes.push({ hash: t.hash, status: 'deferred', reason: 'block gas limit reached' });
      continue;
    }
    const account = await state.getAccount(tx.getSenderAddress());
    const nonce = account?.nonce ?? 0n;
    if (tx.nonce !== nonce) {
      if (tx.nonce > nonce) {
        blocked.add(t.sender);
        outcomes.push({ hash: t.hash, status: 'deferred', reason: `nonce gap: expected ${nonce}` });
      } else {
        outcomes.push({ hash: t.hash, status: 'dropped', reason: `nonce too low: next nonce ${nonce}, tx nonce ${tx.nonce}` });
      }
      continue;
    }
    let result: RunTxResult;
    const depth = state.depth;
    if (budget) {
      budget.startTx(budget.limit - weighted);
      // Kept open until the weight is known: a transaction over the budget leaves no trace.
      await state.checkpoint();
    }
    const ctx: TxContext | undefined = observer && {
      vm,
      tx,
      hash: t.hash,
      // Deposit transactions come first in the block, each with its one log.
      index: deposits.length + included.length,
      env,
      logIndex: deposits.reduce((n, d) => n + d.receipt.logs.length, 0) + included.reduce((n, i) => n + i.result.receipt.logs.length, 0),
    };
    if (ctx) await observer?.before(ctx);
    try {
      result = await runTx(vm, { tx, block, blockGasUsed: gasUsed, skipHardForkValidation: true });
    } catch (e) {
      if (ctx) await observer?.after(ctx, undefined);
      // runTx reverts only the innermost checkpoint when execution throws: undo the rest (the nonce
      // bump, the gas debit, any write), so that a dropped transaction leaves no trace in the block
      // and its sender's nonce stays free.
      while (state.depth > depth) await state.revert();
      if (e instanceof ComputeBudgetExceeded) {
        overBudget(t, e.message);
        continue;
      }
      blocked.add(t.sender);
      outcomes.push({ hash: t.hash, status: 'dropped', reason: ethereumjsReason(e) });
      continue;
    }
    if (budget) {
      const weight = result.totalGasSpent + budget.extra;
      if (weighted + weight > budget.limit) {
        while (state.depth > depth) await state.revert();
        if (ctx) await observer?.after(ctx, undefined);
        overBudget(t, new ComputeBudgetExceeded(budget.limit).message);
        continue;
      }
      await state.commit();
      weighted += weight;
    }
    if (ctx) await observer?.after(ctx, result);
    gasUsed += result.totalGasSpent;
    const tip = 'maxPriorityFeePerGas' in tx ? tx.maxPriorityFeePerGas : tx.gasPrice - env.baseFeePerGas;
    const effectiveTip = minBigInt(tip, maxFee - env.baseFeePerGas);
    outcomes.push({ hash: t.hash, status: 'included', index: included.length });
    included.push({ tx, raw: t.raw, hash: t.hash, sender: t.sender, result, cumulativeGasUsed: gasUsed, effectiveGasPrice: env.baseFeePerGas + effectiveTip });
  }
  const logsBloom = new Uint8Array(256);
  for (const bits of [...deposits.map((d) => d.receipt.bitvector), ...included.map((i) => i.result.bloom.bitvector)]) {
    for (let b = 0; b < 256; b++) logsBloom[b] |= bits[b];
  }
  return {
    deposits,
    included,
    outcomes,
    gasUsed,
    diff: state.diff(),
    transactionsRoot: await orderedTrieRoot([...deposits.map((d) => hexToBytes(d.raw)), ...included.map((i) => hexToBytes(i.raw))]),
    receiptsRoot: await orderedTrieRoot([
      ...deposits.map((d) => encodeDepositReceipt(d.receipt)),
      ...included.map((i) => encodeReceipt(i.result.receipt, i.tx.type)),
    ]),
    logsBloom,
    withdrawals: withdrawalsOf(included),
  };
}

const WITHDRAWALS = hexToBytes(L2_WITHDRAWALS_ADDRESS);
const WITHDRAWAL_TOPIC = hexToBytes(WITHDRAWAL_EVENT_TOPIC);
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const topicAddress = (t: Uint8Array) => bytesToHex(t.subarray(12));

/** The WithdrawalInitiated events of the system contract, from successful transactions' logs. */
function withdrawalsOf(included: IncludedTx[]): (Withdrawal & { txHash: Hex })[] {
  const out: (Withdrawal & { txHash: Hex })[] = [];
  for (const i of included) {
    for (const [address, topics, data] of i.result.receipt.logs) {
      if (!sameBytes(address, WITHDRAWALS) || topics.length !== 4 || !sameBytes(topics[0], WITHDRAWAL_TOPIC)) continue;
      out.push({
        id: BigInt(bytesToHex(topics[1])),
        l2Sender: topicAddress(topics[2]),
        l1Recipient: topicAddress(topics[3]),
        amount: BigInt(bytesToHex(data)),
        txHash: i.hash,
      });
    }
  }
  return out;
}
