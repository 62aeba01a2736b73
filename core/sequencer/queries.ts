import { type Hex, hexToBigInt, lower } from '../chain/hex.ts';
import type { RpcBlockHeader } from '../chain/types.ts';
import { ServerError } from '../errors.ts';
import { accountProof } from '../state/proof.ts';
import { TrieStateReader } from '../state/trieState.ts';
import type { StateReader } from '../state/types.ts';
import type { SequencerCore } from './sequencer.ts';

/**
 * State reads at a sealed block, answered by the sequencer: the head from its flat state, older
 * blocks through the state trie at their root. Executions (calls, estimates) run elsewhere:
 * core/simulation.
 */
export class StateQueries {
  private readonly core: SequencerCore;
  constructor(core: SequencerCore) {
    this.core = core;
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

  async proof(address: Hex, slots: Hex[], number: bigint) {
    return accountProof(this.core.state, this.header(number).stateRoot, lower(address), slots);
  }
}
