import { type Hex, hexToBigInt, lower } from '../chain/hex.ts';
import type { RpcBlockHeader } from '../chain/types.ts';
import { ServerError } from '../errors.ts';
import { type CallRequest, callExecutor, estimateGas, simulate, throwIfFailed } from '../execution/call.ts';
import type { BlockEnv, Executor } from '../execution/executeBlock.ts';
import { accountProof } from '../state/proof.ts';
import { TrieStateReader } from '../state/trieState.ts';
import type { StateReader } from '../state/types.ts';
import type { SequencerCore } from './sequencer.ts';

/**
 * State queries at a sealed block, answered by the sequencer: the head from its flat state,
 * older blocks through the state trie at their root.
 */
export class StateQueries {
  private readonly core: SequencerCore;
  private readonly executor: Executor;
  constructor(core: SequencerCore) {
    this.core = core;
    this.executor = callExecutor(core.config, core.state);
  }

  header(number: bigint): RpcBlockHeader {
    if (number === this.core.headNumber) return this.core.head();
    const block = this.core.block(number, false);
    if (!block) throw new ServerError('header not found');
    const { transactions: _t, ...header } = block;
    return header;
  }

  reader(number: bigint): StateReader {
    if (number === this.core.headNumber) return this.core.state;
    return new TrieStateReader(this.header(number).stateRoot, this.core.state, this.core.state);
  }

  /** The environment calls at `number` execute in: that block's own header fields. */
  env(number: bigint): BlockEnv {
    const h = this.header(number);
    return {
      number: BigInt(h.number),
      parentHash: h.parentHash,
      timestamp: BigInt(h.timestamp),
      baseFeePerGas: BigInt(h.baseFeePerGas),
      gasLimit: BigInt(h.gasLimit),
      coinbase: h.miner,
      prevRandao: h.mixHash,
    };
  }

  async balance(address: Hex, number: bigint): Promise<bigint> {
    return (await this.reader(number).account(lower(address)))?.balance ?? 0n;
  }

  async nonce(address: Hex, number: bigint): Promise<bigint> {
    return (await this.reader(number).account(lower(address)))?.nonce ?? 0n;
  }

  async code(address: Hex, number: bigint): Promise<Uint8Array> {
    const reader = this.reader(number);
    const a = await reader.account(lower(address));
    if (!a) return new Uint8Array();
    return (await reader.code(a.codeHash)) ?? new Uint8Array();
  }

  async storage(address: Hex, slot: Hex, number: bigint): Promise<Hex> {
    const v = await this.reader(number).storage(lower(address), lower(slot));
    return `0x${hexToBigInt(v).toString(16).padStart(64, '0')}`;
  }

  private blockHashes = (n: bigint) => this.core.block(n, false)?.hash;

  async call(req: CallRequest, number: bigint): Promise<Hex> {
    const outcome = await simulate(this.core.config, this.env(number), this.reader(number), this.blockHashes, req, { executor: this.executor });
    throwIfFailed(outcome);
    return outcome.returnData;
  }

  async estimateGas(req: CallRequest, number: bigint): Promise<bigint> {
    return estimateGas(this.core.config, this.env(number), this.reader(number), this.blockHashes, req, this.executor);
  }

  async createAccessList(req: CallRequest, number: bigint) {
    const outcome = await simulate(this.core.config, this.env(number), this.reader(number), this.blockHashes, req, {
      reportAccessList: true,
      executor: this.executor,
    });
    const err = outcome.result.execResult.exceptionError;
    return {
      accessList: (outcome.result.accessList ?? []).map((e) => ({ address: e.address as Hex, storageKeys: e.storageKeys as Hex[] })),
      gasUsed: outcome.result.totalGasSpent,
      error: err ? (err.error === 'revert' ? 'execution reverted' : err.error) : undefined,
    };
  }

  async proof(address: Hex, slots: Hex[], number: bigint) {
    return accountProof(this.core.state, this.header(number).stateRoot, lower(address), slots);
  }
}
