import { RLP } from '@ethereumjs/rlp';
import { createTx, type TypedTransaction, type TypedTxData } from '@ethereumjs/tx';
import { bigIntToUnpaddedBytes } from '@ethereumjs/util';
import { encodeReceipt } from '@ethereumjs/vm';
import { chainCommon } from '../chain/common.ts';
import type { ChainConfig } from '../chain/config.ts';
import { emptyPostLondonFields, formatTransaction } from '../chain/format.ts';
import { encodeHeader } from '../chain/headerRlp.ts';
import { bytesToHex, type Hex, hexToBytes, toQuantity } from '../chain/hex.ts';
import { keccak } from '../chain/keccak.ts';
import type { RpcBlockHeader, RpcLog, RpcTransaction } from '../chain/types.ts';
import { ExecutionTimeoutError, InvalidParamsError, RpcError } from '../errors.ts';
import { nextBaseFee } from '../execution/baseFee.ts';
import { storeParentHash } from '../execution/blockHashHistory.ts';
import { type CallRequest, revertReason, simulate } from '../execution/call.ts';
import type { BlockEnv, BlockHashLookup, Executor } from '../execution/executeBlock.ts';
import { orderedTrieRoot } from '../execution/orderedTrie.ts';
import { EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, type StateReader } from '../state/types.ts';
import { type BlockOverrides, precompileMoves, StateLayer, type StateOverrides, vmHasPrecompile, withPrecompileMoves } from './overrides.ts';
import { type PlainLog, resultLogs, TransferLogObserver } from './transferLogs.ts';

/** One element of `blockStateCalls`, parsed. */
export interface SimBlockInput {
  blockOverrides: BlockOverrides;
  stateOverrides: StateOverrides;
  calls: CallRequest[];
}

/** eth_simulateV1's first parameter, parsed. */
export interface SimulateRequest {
  blockStateCalls: SimBlockInput[];
  traceTransfers: boolean;
  validation: boolean;
  returnFullTransactions: boolean;
}

/** Bounds of one eth_simulateV1 request (README, Limits); gas and time come from the call limits. */
export const MAX_SIMULATE_BLOCKS = 256;
export const MAX_SIMULATE_CALLS = 1_000;
/** The answer's JSON, counted as it is built: past this the request is refused. */
export const MAX_SIMULATE_RESPONSE_BYTES = 10 * 1024 * 1024;

/** Geth's seconds between simulated blocks whose time is not given. */
export const TIMESTAMP_INCREMENT = 12n;

/** Geth's eth_simulateV1 error codes (execution-apis). */
export const SimErrorCode = {
  nonceTooLow: -38010,
  nonceTooHigh: -38011,
  baseFeeTooLow: -38012,
  intrinsicGas: -38013,
  insufficientFunds: -38014,
  blockGasLimit: -38015,
  blockNumberOrder: -38020,
  blockTimestampOrder: -38021,
  clientLimit: -38026,
  vmError: -32015,
  reverted: 3,
  internal: -32603,
} as const;

const fail = (code: number, message: string): never => {
  throw new RpcError(code, message);
};

export interface SimCallResult {
  returnData: Hex;
  logs: SimLog[];
  gasUsed: Hex;
  maxUsedGas: Hex;
  status: Hex;
  error?: { code: number; message: string; data?: Hex };
}

/** A simulated call's log: the shape eth_getLogs serves. */
export type SimLog = RpcLog;

export type SimulatedBlock = Omit<RpcBlockHeader, 'withdrawals'> & {
  transactions: Hex[] | RpcTransaction[];
  withdrawals: { index: Hex; validatorIndex: Hex; address: Hex; amount: Hex }[];
  calls: SimCallResult[];
};

/** A block of the simulated chain after sanitizing: number and time always set. */
export interface SanitizedBlock extends SimBlockInput {
  number: bigint;
  time: bigint;
}

/**
 * Numbers and timestamps of the simulated chain, as geth's sanitizeChain: a block without a
 * number follows its predecessor, gaps are filled with empty blocks 12 s apart, numbers and
 * timestamps must increase, and the chain may reach at most MAX_SIMULATE_BLOCKS past its base.
 */
export function sanitizeChain(base: { number: bigint; timestamp: bigint }, blocks: SimBlockInput[]): SanitizedBlock[] {
  const out: SanitizedBlock[] = [];
  let prevNumber = base.number;
  let prevTime = base.timestamp;
  for (const b of blocks) {
    const number = b.blockOverrides.number ?? prevNumber + 1n;
    if (number <= prevNumber) fail(SimErrorCode.blockNumberOrder, `block numbers must be in order: ${number} <= ${prevNumber}`);
    if (number - base.number > BigInt(MAX_SIMULATE_BLOCKS)) fail(SimErrorCode.clientLimit, 'too many blocks');
    for (let n = prevNumber + 1n; n < number; n++) {
      prevTime += TIMESTAMP_INCREMENT;
      out.push({ blockOverrides: {}, stateOverrides: {}, calls: [], number: n, time: prevTime });
    }
    prevNumber = number;
    const time = b.blockOverrides.time ?? prevTime + TIMESTAMP_INCREMENT;
    if (b.blockOverrides.time !== undefined && time <= prevTime)
      fail(SimErrorCode.blockTimestampOrder, `block timestamps must be in order: ${time} <= ${prevTime}`);
    prevTime = time;
    out.push({ ...b, number, time });
  }
  return out;
}

/** What a simulation runs against: the base block, its state and its ancestors' hashes. */
export interface SimulationBase {
  config: ChainConfig;
  header: RpcBlockHeader;
  reader: StateReader;
  blockHash: BlockHashLookup;
  executor: Executor;
  /** RPC_GAS_CAP: the gas all calls of the request may use together, as geth's gas pool. */
  gasCap: bigint;
  /** Throws once the request's time is up; called before every call. */
  check: () => void;
}

const ZERO_32: Hex = `0x${'00'.repeat(32)}`;
const EMPTY_UNCLES: Hex = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';
const q = toQuantity;

const MAX_NONCE = 2n ** 64n - 1n;

/** A simulated call as a transaction: EthereumJS's form (to format it) and its unsigned encoding and hash. */
export interface SimulatedTx {
  tx: TypedTransaction;
  nonce: bigint;
  encoded: Uint8Array;
  hash: Hex;
}

/**
 * The transaction a call stands for, unsigned (v, r, s zero), as geth's ToTransaction: type 2
 * unless the call names a gas price (legacy) or carries authorizations (type 4). Its hash is
 * keccak of that encoding. Geth lets a simulated nonce reach 2^64 - 1, which EthereumJS refuses
 * to build: such a transaction is built with a lower nonce and encoded with its own.
 */
export function simulatedTransaction(chainId: bigint, req: CallRequest, nonce: bigint, gas: bigint): SimulatedTx {
  const common = chainCommon(chainId);
  const base = { nonce: nonce < MAX_NONCE ? nonce : MAX_NONCE - 1n, gasLimit: gas, to: req.to ?? undefined, value: req.value ?? 0n, data: req.data ?? '0x' };
  let data: TypedTxData;
  const fees = { chainId, maxFeePerGas: req.maxFeePerGas ?? 0n, maxPriorityFeePerGas: req.maxPriorityFeePerGas ?? 0n, accessList: req.accessList ?? [] };
  if (req.authorizationList && req.authorizationList.length > 0) {
    data = {
      ...base,
      ...fees,
      type: 4,
      authorizationList: req.authorizationList.map((a) => ({ ...a, chainId: q(a.chainId), nonce: q(a.nonce), yParity: q(a.yParity), r: q(a.r), s: q(a.s) })),
    } as TypedTxData;
  } else if (req.gasPrice !== undefined) {
    data = { ...base, type: 0, gasPrice: req.gasPrice } as TypedTxData;
  } else {
    data = { ...base, ...fees, type: 2 } as TypedTxData;
  }
  const tx = createTx(data, { common, freeze: false, allowUnlimitedInitCodeSize: true });
  const raw = tx.raw() as Uint8Array[];
  raw[tx.type === 0 ? 0 : 1] = bigIntToUnpaddedBytes(nonce);
  const body = RLP.encode(raw);
  const encoded = tx.type === 0 ? body : new Uint8Array([tx.type, ...body]);
  return { tx, nonce, encoded, hash: bytesToHex(keccak(encoded)) };
}

/** Geth's top-level error for a call the EVM refused to start (txValidationError). */
function validationError(message: string, req: CallRequest, from: Hex, gas: bigint): RpcError {
  const who = `address ${from}`;
  const supplied = ` (supplied gas ${gas})`;
  const nonce = /account has nonce of: (\d+) tx has nonce of: (\d+)/.exec(message);
  if (nonce) {
    const [state, tx] = [BigInt(nonce[1]), BigInt(nonce[2])];
    return state > tx
      ? new RpcError(SimErrorCode.nonceTooLow, `err: nonce too low: ${who}, tx: ${tx} state: ${state}${supplied}`)
      : new RpcError(SimErrorCode.nonceTooHigh, `err: nonce too high: ${who}, tx: ${tx} state: ${state}${supplied}`);
  }
  const fee = /\((\d+)\) is less than the block's baseFeePerGas \((\d+)\)/.exec(message);
  if (fee)
    return new RpcError(
      SimErrorCode.baseFeeTooLow,
      `err: max fee per gas less than block base fee: ${who}, maxFeePerGas: ${fee[1]}, baseFee: ${fee[2]}${supplied}`,
    );
  if (/INTRINSIC_GAS_TOO_LOW|gasLimit is too low|lower than the minimum gas limit/.test(message)) {
    return new RpcError(SimErrorCode.intrinsicGas, `err: intrinsic gas too low: have ${gas}${supplied}`);
  }
  const funds = /only has: (\d+)/.exec(message);
  if (/enough funds/.test(message)) {
    return new RpcError(
      SimErrorCode.insufficientFunds,
      `err: insufficient funds for gas * price + value: ${who} have ${funds?.[1] ?? '?'} want ${req.value ?? 0n}${supplied}`,
    );
  }
  return new RpcError(SimErrorCode.internal, `err: ${message}${supplied}`);
}

/** Geth's message for an EVM error, where EthereumJS words it differently. */
function vmErrorMessage(error: string): string {
  if (error === 'invalid opcode') return 'invalid opcode: INVALID';
  if (error === 'stack underflow') return 'stack underflow';
  return error;
}

/** Gas used before refunds (geth's maxUsedGas) from the refund-capped total and the refund counter. */
function usedBeforeRefund(spent: bigint, refund: bigint): bigint {
  if (refund === 0n) return spent;
  // spent = before - min(refund, before / 5), or the calldata floor (then before <= spent).
  if (4n * refund <= spent) return spent + refund;
  for (let before = (spent * 5n) / 4n; before <= (spent * 5n) / 4n + 2n; before++) if (before - before / 5n === spent) return before;
  return spent;
}

const withdrawalRlp = (w: { index: bigint; validatorIndex: bigint; address: Hex; amount: bigint }) =>
  RLP.encode([bigIntToUnpaddedBytes(w.index), bigIntToUnpaddedBytes(w.validatorIndex), hexToBytes(w.address), bigIntToUnpaddedBytes(w.amount)]);

/**
 * eth_simulateV1 on top of `base`: each block of the sanitized chain applies its state overrides,
 * runs its calls in order (each on the state the previous left), and is sealed into a header that
 * chains to the one before; nothing reaches the base's reader. Follows geth's simulator.
 */
export async function simulateV1(base: SimulationBase, req: SimulateRequest): Promise<SimulatedBlock[]> {
  if (req.blockStateCalls.length > MAX_SIMULATE_BLOCKS) fail(SimErrorCode.clientLimit, 'too many blocks');
  const totalCalls = req.blockStateCalls.reduce((n, b) => n + b.calls.length, 0);
  if (totalCalls > MAX_SIMULATE_CALLS) fail(SimErrorCode.clientLimit, `too many calls: ${totalCalls}, at most ${MAX_SIMULATE_CALLS}`);
  const { config } = base;
  const blocks = sanitizeChain({ number: BigInt(base.header.number), timestamp: BigInt(base.header.timestamp) }, req.blockStateCalls);
  const state = new StateLayer(base.reader);
  const hashes = new Map<bigint, Hex>();
  const baseNumber = BigInt(base.header.number);
  const blockHash: BlockHashLookup = (n) => (n > baseNumber ? hashes.get(n) : base.blockHash(n));
  let parent = base.header;
  let coinbase = base.header.miner;
  let gasLimit = BigInt(base.header.gasLimit);
  let gasPool = base.gasCap;
  let responseBytes = 0;
  const results: SimulatedBlock[] = [];
  for (const block of blocks) {
    const ov = block.blockOverrides;
    coinbase = ov.feeRecipient ?? coinbase;
    gasLimit = ov.gasLimit ?? gasLimit;
    const parentEnv = {
      number: BigInt(parent.number),
      baseFeePerGas: BigInt(parent.baseFeePerGas),
      gasUsed: BigInt(parent.gasUsed),
      gasLimit: BigInt(parent.gasLimit),
    };
    const env: BlockEnv = {
      number: block.number,
      parentHash: parent.hash,
      timestamp: block.time,
      gasLimit,
      coinbase,
      prevRandao: ov.prevRandao ?? ZERO_32,
      baseFeePerGas: ov.baseFeePerGas ?? (req.validation ? nextBaseFee(parentEnv, config.baseFeeFloor) : 0n),
    };
    await state.applyOverrides(block.stateOverrides);
    const vm = await base.executor.prepare(state, blockHash);
    // EIP-2935's system write at the block's start, after its overrides, as geth's simulation does.
    await storeParentHash(base.executor.state, env);
    state.applyDiff(base.executor.state.diff());
    const moves = precompileMoves(block.stateOverrides, (a) => vmHasPrecompile(vm, a));
    let gasUsed = 0n;
    let logCount = 0;
    const txs: SimulatedTx[] = [];
    const senders: Hex[] = [];
    const receipts: Uint8Array[] = [];
    const calls: (SimCallResult & { plainLogs: (PlainLog & { seq: number })[] })[] = [];
    const bloom = new Uint8Array(256);
    for (const call of block.calls) {
      base.check();
      const from = (call.from ?? '0x0000000000000000000000000000000000000000').toLowerCase() as Hex;
      const before = await state.account(from);
      // Geth's nonce is a uint64: a sender at 2^64 - 1 wraps to 0.
      const nonce = call.nonce ?? (before?.nonce ?? 0n) % 2n ** 64n;
      let gas = call.gas ?? gasLimit - gasUsed;
      if (gasUsed + gas > gasLimit) fail(SimErrorCode.blockGasLimit, `block gas limit reached: ${gasUsed} >= ${gasLimit}`);
      if (gas > gasPool) gas = gasPool;
      let tx: SimulatedTx;
      try {
        tx = simulatedTransaction(config.chainId, call, nonce, gas);
      } catch (e) {
        // Fields no transaction can have (a tip above the fee cap, gas * fee past 2^256): bad input, as eth_call answers.
        const err = validationError(e instanceof Error ? e.message : String(e), call, from, gas);
        throw err.code === SimErrorCode.internal
          ? new InvalidParamsError(`invalid call: ${e instanceof Error ? e.message.split(' (tx type=')[0] : String(e)}`)
          : err;
      }
      if (req.validation && nonce >= MAX_NONCE) fail(SimErrorCode.internal, `err: nonce has max value: address ${from}, nonce: ${nonce} (supplied gas ${gas})`);
      const observer = req.traceTransfers ? new TransferLogObserver() : undefined;
      const outcome = await withPrecompileMoves(vm, moves, () =>
        simulate(
          config,
          env,
          state,
          blockHash,
          { ...call, nonce: nonce < MAX_NONCE ? nonce : MAX_NONCE - 1n, gas },
          { gasLimit: gas, executor: base.executor, observer, simulation: { validate: req.validation } },
        ).catch((e: unknown) => {
          // What EthereumJS refused before running (-32000, or -32602 for a gas limit below the intrinsic gas) maps to geth's codes; a timeout or a bad parameter stays.
          const message = e instanceof Error ? e.message : String(e);
          const refused =
            e instanceof RpcError &&
            ((e.code === -32000 && !(e instanceof ExecutionTimeoutError)) || (e instanceof InvalidParamsError && /too low/.test(message)));
          if (e instanceof RpcError && !refused) throw e;
          throw validationError(message, call, from, gas);
        }),
      );
      const diff = base.executor.state.diff();
      // The call's sender is shown code-less while it runs (EIP-3607 is off for calls): keep its code.
      const after = diff.accounts.get(from);
      if (after && before && after.codeHash === EMPTY_CODE_HASH && before.codeHash !== EMPTY_CODE_HASH) after.codeHash = before.codeHash;
      state.applyDiff(diff);
      const r = outcome.result;
      gasUsed += r.totalGasSpent;
      gasPool -= r.totalGasSpent;
      txs.push(tx);
      senders.push(from);
      const failed = r.execResult.exceptionError;
      const status = failed ? 0 : 1;
      receipts.push(encodeReceipt({ status, cumulativeBlockGasUsed: gasUsed, bitvector: r.bloom.bitvector, logs: r.receipt.logs }, tx.tx.type));
      for (let i = 0; i < 256; i++) bloom[i] |= r.bloom.bitvector[i];
      const evmLogs = resultLogs(r);
      // With traceTransfers, log indexes count what reverted frames logged too, as geth's tracer does.
      const plainLogs = observer ? observer.logs(evmLogs).map((l) => ({ ...l, seq: logCount + l.seq })) : evmLogs.map((l, k) => ({ ...l, seq: logCount + k }));
      logCount += observer ? observer.captured : evmLogs.length;
      const result: SimCallResult & { plainLogs: (PlainLog & { seq: number })[] } = {
        // Geth answers a failed call's data only in its error.
        returnData: failed ? '0x' : outcome.returnData,
        logs: [],
        plainLogs,
        gasUsed: q(r.totalGasSpent),
        maxUsedGas: q(usedBeforeRefund(r.totalGasSpent, r.gasRefund ?? 0n)),
        status: q(status),
      };
      if (failed) {
        if (failed.error === 'revert') {
          const reason = revertReason(outcome.returnData);
          result.error = { code: SimErrorCode.reverted, message: reason ? `execution reverted: ${reason}` : 'execution reverted', data: outcome.returnData };
        } else {
          result.error = { code: SimErrorCode.vmError, message: vmErrorMessage(failed.error) };
        }
      }
      calls.push(result);
    }
    const withdrawals = ov.withdrawals ?? [];
    for (const w of withdrawals) {
      const a = await state.account(w.address);
      state.applyDiff({
        accounts: new Map([
          [
            w.address,
            {
              nonce: a?.nonce ?? 0n,
              balance: (a?.balance ?? 0n) + w.amount * 1_000_000_000n,
              codeHash: a?.codeHash ?? EMPTY_CODE_HASH,
              storageRoot: EMPTY_TRIE_ROOT,
            },
          ],
        ]),
        storage: new Map(),
        storageCleared: new Set(),
        codes: new Map(),
      });
    }
    const serialized = txs.map((t) => t.encoded);
    const header: RpcBlockHeader = {
      number: q(block.number),
      hash: ZERO_32,
      parentHash: parent.hash,
      nonce: '0x0000000000000000',
      sha3Uncles: EMPTY_UNCLES,
      logsBloom: bytesToHex(bloom),
      transactionsRoot: await orderedTrieRoot(serialized),
      // Not computed: the simulator reads flat state and keeps no trie (README: differences from geth).
      stateRoot: ZERO_32,
      receiptsRoot: await orderedTrieRoot(receipts),
      miner: coinbase,
      difficulty: '0x0',
      extraData: '0x',
      size: '0x0',
      gasLimit: q(gasLimit),
      gasUsed: q(gasUsed),
      timestamp: q(block.time),
      mixHash: env.prevRandao,
      baseFeePerGas: q(env.baseFeePerGas),
      withdrawalsRoot: withdrawals.length ? await orderedTrieRoot(withdrawals.map(withdrawalRlp)) : EMPTY_TRIE_ROOT,
      ...emptyPostLondonFields(),
    };
    const encoded = encodeHeader(header);
    header.hash = bytesToHex(keccak(encoded));
    header.size = q(
      RLP.encode([RLP.decode(encoded) as Uint8Array[], serialized, [], withdrawals.map((w) => RLP.decode(withdrawalRlp(w)) as Uint8Array[])]).length,
    );
    hashes.set(block.number, header.hash);
    const txHashes = txs.map((t) => t.hash);
    const callResults: SimCallResult[] = calls.map(({ plainLogs, ...c }, i) => ({
      ...c,
      logs: plainLogs.map(({ seq, ...l }) => ({
        ...l,
        blockNumber: header.number,
        transactionHash: txHashes[i],
        transactionIndex: q(i),
        blockHash: header.hash,
        blockTimestamp: header.timestamp,
        logIndex: q(seq),
        removed: false as const,
      })),
    }));
    const transactions = req.returnFullTransactions
      ? txs.map((t, i) => ({
          ...formatTransaction(t.tx, t.hash, senders[i], {
            blockHash: header.hash,
            blockNumber: block.number,
            blockTimestamp: block.time,
            index: i,
            effectiveGasPrice: effectivePrice(t.tx, env.baseFeePerGas),
          }),
          nonce: q(t.nonce),
        }))
      : txHashes;
    const out: SimulatedBlock = {
      ...header,
      transactions,
      withdrawals: withdrawals.map((w) => ({ index: q(w.index), validatorIndex: q(w.validatorIndex), address: w.address, amount: q(w.amount) })),
      calls: callResults,
    };
    responseBytes += JSON.stringify(out).length;
    if (responseBytes > MAX_SIMULATE_RESPONSE_BYTES) fail(SimErrorCode.clientLimit, `response too large: more than ${MAX_SIMULATE_RESPONSE_BYTES} bytes`);
    results.push(out);
    parent = header;
  }
  return results;
}

function effectivePrice(tx: TypedTransaction, baseFee: bigint): bigint {
  if (!('maxFeePerGas' in tx)) return (tx as { gasPrice: bigint }).gasPrice;
  const tip = tx.maxPriorityFeePerGas;
  return tx.maxFeePerGas < baseFee + tip ? tx.maxFeePerGas : baseFee + tip;
}
