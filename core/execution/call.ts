import type { EVMOpts } from '@ethereumjs/evm';
import { createTx, type TypedTransaction, type TypedTxData } from '@ethereumjs/tx';
import { type Account, Address } from '@ethereumjs/util';
import { type RunTxResult, runTx } from '@ethereumjs/vm';
import { chainCommon } from '../chain/common.ts';
import type { ChainConfig } from '../chain/config.ts';
import { bytesToHex, type Hex, hexToBytes, toQuantity } from '../chain/hex.ts';
import { ExecutionRevertedError, ExecutionTimeoutError, InvalidParamsError, RpcError, ServerError } from '../errors.ts';
import { OverlayStateManager } from '../state/overlayState.ts';
import { EMPTY_CODE_HASH, type StateReader } from '../state/types.ts';
import { ethereumjsReason } from './errors.ts';
import { type BlockEnv, type BlockHashLookup, Executor, envBlock, type TxContext, type TxObserver } from './executeBlock.ts';

/** A call object as eth_call / eth_estimateGas take it, already parsed. */
export interface CallRequest {
  from?: Hex;
  to?: Hex | null;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  value?: bigint;
  data?: Hex;
  nonce?: bigint;
  accessList?: { address: Hex; storageKeys: Hex[] }[];
  authorizationList?: { chainId: bigint; address: Hex; nonce: bigint; yParity: bigint; r: bigint; s: bigint }[];
}

export interface CallOutcome {
  result: RunTxResult;
  returnData: Hex;
}

const ZERO_ADDRESS: Hex = '0x0000000000000000000000000000000000000000';
/** What observers of a call see as its hash: a call is unsigned and has none. */
const NO_HASH: Hex = `0x${'00'.repeat(32)}`;

const PANIC_REASONS: Record<number, string> = {
  0: 'generic panic',
  1: 'assert(false)',
  17: 'arithmetic underflow or overflow',
  18: 'division or modulo by zero',
  33: 'enum overflow',
  34: 'invalid encoded storage byte array accessed',
  49: 'out-of-bounds array access; popping on an empty array',
  50: 'out-of-bounds access of an array or bytesN',
  65: 'out of memory',
  81: 'uninitialized function',
};

/**
 * Geth runs calls without the EIP-3607 check, so a contract can be the `from` of an eth_call.
 * EthereumJS always checks, so the sender's account is shown without code while its code stays
 * reachable by address (a call from a contract to itself still runs that contract). The one
 * visible difference: EXTCODEHASH of the sender inside such a call reads the empty-code hash.
 */
class CallStateManager extends OverlayStateManager {
  private sender: Hex = ZERO_ADDRESS;
  private reader: StateReader;
  constructor(reader: StateReader) {
    super(reader);
    this.reader = reader;
  }

  forCall(reader: StateReader, sender: Hex): void {
    this.reader = reader;
    this.sender = sender;
  }

  override async getAccount(address: Address): Promise<Account | undefined> {
    const account = await super.getAccount(address);
    if (account && address.toString() === this.sender) account.codeHash = hexToBytes(EMPTY_CODE_HASH);
    return account;
  }

  override async getCode(address: Address): Promise<Uint8Array> {
    if (address.toString() !== this.sender) return super.getCode(address);
    const real = await this.reader.account(this.sender);
    if (!real || real.codeHash === EMPTY_CODE_HASH) return new Uint8Array();
    return (await this.reader.code(real.codeHash)) ?? new Uint8Array();
  }

  override async getCodeSize(address: Address): Promise<number> {
    return (await this.getCode(address)).length;
  }
}

const NO_STATE: StateReader = { account: () => undefined, storage: () => '0x', code: () => undefined };

/**
 * An executor for calls: its state manager lets contracts be the sender (see CallStateManager);
 * `evmOpts` carries the metered opcodes of core/simulation/meter.ts.
 */
export function callExecutor(config: ChainConfig, evmOpts?: EVMOpts): Executor {
  return new Executor(config, new CallStateManager(NO_STATE), evmOpts);
}

/** The reason geth puts in "execution reverted: <reason>" for Error(string) and Panic(uint256). */
export function revertReason(data: Hex): string | undefined {
  try {
    if (data.startsWith('0x08c379a0') && data.length >= 138) {
      const len = Number(BigInt(`0x${data.slice(74, 138)}`));
      const bytes = hexToBytes(`0x${data.slice(138, 138 + len * 2)}`);
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    }
    if (data.startsWith('0x4e487b71') && data.length === 74) {
      const code = Number(BigInt(`0x${data.slice(10)}`));
      return PANIC_REASONS[code] ?? `unknown panic code: 0x${code.toString(16)}`;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function buildTx(config: ChainConfig, req: CallRequest, nonce: bigint, gasLimit: bigint): TypedTransaction {
  const common = chainCommon(config.chainId);
  const base = {
    nonce,
    gasLimit,
    to: req.to ?? undefined,
    value: req.value ?? 0n,
    data: req.data ?? '0x',
  };
  const fees = { maxFeePerGas: req.maxFeePerGas ?? 0n, maxPriorityFeePerGas: req.maxPriorityFeePerGas ?? 0n, accessList: req.accessList ?? [] };
  let data: TypedTxData;
  if (req.authorizationList && req.authorizationList.length > 0) {
    if (!req.to) throw new InvalidParamsError('an EIP-7702 call needs a destination');
    const authorizationList = req.authorizationList.map((a) => ({
      chainId: toQuantity(a.chainId),
      address: a.address,
      nonce: toQuantity(a.nonce),
      yParity: toQuantity(a.yParity),
      r: toQuantity(a.r),
      s: toQuantity(a.s),
    }));
    data = { ...base, ...fees, type: 4, authorizationList } as TypedTxData;
  } else if (req.maxFeePerGas !== undefined || req.maxPriorityFeePerGas !== undefined || req.gasPrice === undefined) {
    data = { ...base, ...fees, type: 2 } as TypedTxData;
  } else {
    data = { ...base, type: 1, gasPrice: req.gasPrice, accessList: fees.accessList } as TypedTxData;
  }
  const tx = createTx(data, { common, freeze: false });
  const from = new Address(hexToBytes(req.from ?? ZERO_ADDRESS));
  // Calls are unsigned: impersonate the requested sender.
  tx.getSenderAddress = () => from;
  return tx;
}

/**
 * How eth_simulateV1 runs a call (geth's simulator): the sender's balance must cover value (and,
 * with validation, gas at its fee); with validation the nonce must match and the block's base
 * fee applies, without it a call that offers no fee runs at a zero base fee.
 */
export interface SimulationChecks {
  validate: boolean;
}

/**
 * Runs a call object on top of `reader` without keeping any change. Without fee fields the call
 * runs with a zero base fee, as geth does, so that accounts without funds can call.
 */
export async function simulate(
  config: ChainConfig,
  env: BlockEnv,
  reader: StateReader,
  blockHash: BlockHashLookup,
  req: CallRequest,
  opts: { gasLimit?: bigint; reportAccessList?: boolean; executor?: Executor; observer?: TxObserver; simulation?: SimulationChecks } = {},
): Promise<CallOutcome> {
  const sim = opts.simulation;
  const hasFees = sim
    ? !!(req.gasPrice || req.maxFeePerGas || req.maxPriorityFeePerGas) || sim.validate
    : req.gasPrice !== undefined || req.maxFeePerGas !== undefined || req.maxPriorityFeePerGas !== undefined;
  const callEnv: BlockEnv = hasFees ? env : { ...env, baseFeePerGas: 0n };
  const from = (req.from ?? ZERO_ADDRESS).toLowerCase() as Hex;
  const exec = opts.executor ?? callExecutor(config);
  (exec.state as CallStateManager).forCall(reader, from);
  const vm = await exec.prepare(reader, blockHash);
  const fromAccount = await reader.account(from);
  let tx: TypedTransaction;
  try {
    tx = buildTx(config, req, req.nonce ?? fromAccount?.nonce ?? 0n, opts.gasLimit ?? req.gas ?? env.gasLimit);
  } catch (e) {
    // Fields EthereumJS refuses to build a transaction from (gas * fee past 2^256, a tip above the fee cap).
    if (e instanceof InvalidParamsError) throw e;
    throw new InvalidParamsError(`invalid call: ${ethereumjsReason(e).split(' (tx type=')[0]}`);
  }
  let result: RunTxResult;
  const ctx: TxContext | undefined = opts.observer && { vm, tx, hash: NO_HASH, index: 0, env: callEnv };
  if (ctx) await opts.observer?.before(ctx);
  try {
    result = await runTx(vm, {
      tx,
      block: envBlock(config, callEnv),
      skipBalance: !sim,
      skipNonce: !sim?.validate,
      skipBlockGasLimitValidation: true,
      skipHardForkValidation: true,
      reportAccessList: opts.reportAccessList,
    });
  } catch (e) {
    if (ctx) await opts.observer?.after(ctx, undefined);
    // Our own errors (a time limit, a failed state read) pass through as they are.
    if (e instanceof RpcError) throw e;
    throw new ServerError(ethereumjsReason(e));
  }
  if (ctx) await opts.observer?.after(ctx, result);
  return { result, returnData: bytesToHex(result.execResult.returnValue) };
}

/** Throws the geth-shaped error for a failed call: code 3 with revert data, or -32000. */
export function throwIfFailed(outcome: CallOutcome): void {
  const err = outcome.result.execResult.exceptionError;
  if (!err) return;
  if (err.error === 'revert') throw new ExecutionRevertedError(outcome.returnData, revertReason(outcome.returnData));
  throw new ServerError(err.error);
}

/**
 * Smallest gas limit with which the call succeeds: one run at the cap (`req.gas`, else the block's
 * gas limit), then a binary search from the gas it used, stopping within 1.5% as geth does.
 * `between` runs before each run (the simulator checks its time limit there).
 */
export async function estimateGas(
  config: ChainConfig,
  env: BlockEnv,
  reader: StateReader,
  blockHash: BlockHashLookup,
  req: CallRequest,
  executor: Executor = callExecutor(config),
  between: () => void = () => {},
): Promise<bigint> {
  const cap = req.gas ?? env.gasLimit;
  // A plain value transfer to an account without code costs exactly 21000, as geth answers.
  if (req.to && (!req.data || req.data === '0x') && !req.authorizationList?.length && !req.accessList?.length) {
    const to = await reader.account(req.to.toLowerCase() as Hex);
    if (!to || to.codeHash === EMPTY_CODE_HASH) {
      const transfer = await simulate(config, env, reader, blockHash, req, { gasLimit: 21_000n, executor });
      throwIfFailed(transfer);
      return 21_000n;
    }
  }
  const atCap = await simulate(config, env, reader, blockHash, req, { gasLimit: cap, executor });
  throwIfFailed(atCap);
  const ok = async (gas: bigint) => {
    between();
    try {
      const o = await simulate(config, env, reader, blockHash, req, { gasLimit: gas, executor });
      return !o.result.execResult.exceptionError;
    } catch (e) {
      // Too little gas can make the run itself fail; running out of time ends the search.
      if (e instanceof ExecutionTimeoutError) throw e;
      return false;
    }
  };
  let lo = atCap.result.totalGasSpent - 1n;
  let hi = cap;
  const optimistic = ((atCap.result.totalGasSpent + (atCap.result.gasRefund ?? 0n) + 2300n) * 64n) / 63n;
  if (optimistic < hi && (await ok(optimistic))) hi = optimistic;
  else lo = optimistic < hi ? optimistic : lo;
  if (lo < 21_000n - 1n) lo = 20_999n;
  while (lo + 1n < hi) {
    if ((hi - lo) * 1000n < hi * 15n) break;
    const mid = (lo + hi) / 2n;
    if (await ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
