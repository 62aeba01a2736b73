import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';
import { BufferedTrieDb, decodeAccount, openTrie, type TrieNodeSource } from './stateTrie.ts';
import { type AccountRecord, EMPTY_TRIE_ROOT, type StateReader } from './types.ts';

/**
 * State at a past block, read through the state trie at that block's root: readable and provable
 * as long as trie pruning keeps that root's nodes (core/sequencer/prune.ts).
 */
export class TrieStateReader implements StateReader {
  private readonly db: BufferedTrieDb;
  private readonly accounts = new Map<Hex, AccountRecord | undefined>();

  private readonly root: Hex;
  private readonly codes: Pick<StateReader, 'code'>;

  constructor(root: Hex, nodes: TrieNodeSource, codes: Pick<StateReader, 'code'>) {
    this.root = root;
    this.codes = codes;
    this.db = new BufferedTrieDb(nodes);
  }

  async account(address: Hex): Promise<AccountRecord | undefined> {
    if (this.accounts.has(address)) return this.accounts.get(address);
    const raw = await openTrie(this.db, this.root).get(hexToBytes(address));
    const r = raw ? decodeAccount(raw) : undefined;
    this.accounts.set(address, r);
    return r;
  }

  async storage(address: Hex, slot: Hex): Promise<Hex> {
    const a = await this.account(address);
    if (!a || a.storageRoot === EMPTY_TRIE_ROOT) return '0x';
    const raw = await openTrie(this.db, a.storageRoot).get(hexToBytes(slot));
    return raw ? bytesToHex(RLP.decode(raw) as Uint8Array) : '0x';
  }

  code(codeHash: Hex) {
    return this.codes.code(codeHash);
  }
}
