import { type Hex, hexToBigInt, lower } from '../chain/hex.ts';
import type { RpcBlockHeader } from '../chain/types.ts';
import { ServerError } from '../errors.ts';
import { accountProof } from '../state/proof.ts';
import { TrieStateReader } from '../state/trieState.ts';
import type { StateReader } from '../state/types.ts';
import { historyFloor, stateFloor, stateNotAvailable } from './prune.ts';
import type { SequencerCore } from './sequencer.ts';

/**
 * State reads at a sealed block, answered by the sequencer: the head from its flat state, older
 * blocks through the state trie at their root, as far back as trie pruning keeps them
 * (core/sequencer/prune.ts; older ones answer -32000 "missing trie node"). Executions (calls,
 * estimates) run elsewhere: core/simulation.
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

  /** The state root of a block whose state the sequencer still holds; -32000 for one pruned. */
  private root(number: bigint): Hex {
    // A state is found by its block's header, so a pruned block's state is gone with it.
    const floor = Math.max(stateFloor(this.core.sql), number === 0n ? 0 : historyFloor(this.core.sql));
    if (number < BigInt(floor)) throw stateNotAvailable(number, floor);
    return this.header(number).stateRoot;
  }

  reader(number: bigint): StateReader {
    if (number === this.core.headNumber) return this.core.state;
    return new TrieStateReader(this.root(number), this.core.state, this.core.state);
  }

  /** A read of past state; one whose nodes a concurrent sweep took answers as a pruned state does. */
  private async past<T>(number: bigint, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (e) {
      if (!(e instanceof ServerError) && /missing (trie )?node/i.test(String(e))) throw stateNotAvailable(number, stateFloor(this.core.sql));
      throw e;
    }
  }

  async balance(address: Hex, number: bigint): Promise<bigint> {
    return this.past(number, async () => (await this.reader(number).account(lower(address)))?.balance ?? 0n);
  }

  async nonce(address: Hex, number: bigint): Promise<bigint> {
    return this.past(number, async () => (await this.reader(number).account(lower(address)))?.nonce ?? 0n);
  }

  async code(address: Hex, number: bigint): Promise<Uint8Array> {
    return this.past(number, async () => {
      const reader = this.reader(number);
      const a = await reader.account(lower(address));
      if (!a) return new Uint8Array();
      return (await reader.code(a.codeHash)) ?? new Uint8Array();
    });
  }

  async storage(address: Hex, slot: Hex, number: bigint): Promise<Hex> {
    const v = await this.past(number, () => Promise.resolve(this.reader(number).storage(lower(address), lower(slot))));
    return `0x${hexToBigInt(v).toString(16).padStart(64, '0')}`;
  }

  async proof(address: Hex, slots: Hex[], number: bigint) {
    return this.past(number, () => accountProof(this.core.state, this.root(number), lower(address), slots));
  }
}
