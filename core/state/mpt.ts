import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';
import { keccak } from '../chain/keccak.ts';
import { EMPTY_TRIE_ROOT } from './types.ts';

/**
 * Ethereum's Merkle-Patricia trie, updated in batches: all of a block's changes to one trie are
 * applied to decoded nodes in memory, and each changed node is encoded and hashed once when the
 * batch is committed. The EthereumJS trie hashes the path from leaf to root once per key, which
 * made it the largest cost of sealing a block (docs/decisions/0009).
 *
 * Nodes are read through a loader keyed as the EthereumJS database keys them (the node's hash in
 * unprefixed hex), so both implementations share one store. Keys are given as they are stored in
 * the trie: callers of a secure trie hash them first (`secureKey`).
 */

/** Loads a node by its hash key; undefined when the store does not hold it. */
export type NodeLoader = (key: string) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

type Nibbles = number[];
type Child = TrieNode | HashRef | null;
interface HashRef {
  kind: 'hash';
  hash: Uint8Array;
}
interface Leaf {
  kind: 'leaf';
  path: Nibbles;
  value: Uint8Array;
  /** Set on nodes decoded from the store: they are never mutated, and a stored one keeps its hash. */
  stored?: Uint8Array | true;
}
interface Extension {
  kind: 'ext';
  path: Nibbles;
  child: Child;
  stored?: Uint8Array | true;
}
interface Branch {
  kind: 'branch';
  children: Child[];
  value: Uint8Array | null;
  stored?: Uint8Array | true;
}
type TrieNode = Leaf | Extension | Branch;

type RlpItem = Uint8Array | RlpItem[];

export function secureKey(key: Hex | Uint8Array): Uint8Array {
  return keccak(typeof key === 'string' ? hexToBytes(key) : key);
}

function nibblesOf(key: Uint8Array): Nibbles {
  const out = new Array<number>(key.length * 2);
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i] >> 4;
    out[2 * i + 1] = key[i] & 15;
  }
  return out;
}

function decodePath(hp: Uint8Array): { path: Nibbles; leaf: boolean } {
  if (hp.length === 0) throw new Error('malformed trie node: empty path');
  const flag = hp[0] >> 4;
  const path = nibblesOf(hp).slice(flag & 1 ? 1 : 2);
  return { path, leaf: flag >= 2 };
}

function encodePath(path: Nibbles, leaf: boolean): Uint8Array {
  const odd = path.length & 1;
  const out = new Uint8Array(1 + (path.length >> 1));
  out[0] = ((leaf ? 2 : 0) + odd) << 4;
  let i = 0;
  if (odd) out[0] |= path[i++];
  for (let j = 1; i < path.length; i += 2, j++) out[j] = (path[i] << 4) | path[i + 1];
  return out;
}

function decodeNode(item: RlpItem, stored: Uint8Array | true): TrieNode {
  if (!Array.isArray(item)) throw new Error('malformed trie node: not a list');
  if (item.length === 17) {
    const children = item.slice(0, 16).map(decodeChild);
    const v = item[16];
    if (Array.isArray(v)) throw new Error('malformed trie node: branch value is a list');
    return { kind: 'branch', children, value: v.length > 0 ? v : null, stored };
  }
  if (item.length === 2) {
    const [hp, rest] = item;
    if (Array.isArray(hp)) throw new Error('malformed trie node: path is a list');
    const { path, leaf } = decodePath(hp);
    if (leaf) {
      if (Array.isArray(rest)) throw new Error('malformed trie node: leaf value is a list');
      return { kind: 'leaf', path, value: rest, stored };
    }
    return { kind: 'ext', path, child: decodeChild(rest), stored };
  }
  throw new Error(`malformed trie node: a list of ${item.length} items`);
}

function decodeChild(item: RlpItem): Child {
  if (Array.isArray(item)) return decodeNode(item, true);
  if (item.length === 0) return null;
  if (item.length === 32) return { kind: 'hash', hash: item };
  throw new Error(`malformed trie node: a child reference of ${item.length} bytes`);
}

// ---- RLP lists of already encoded items (a child embedded in its parent is spliced in as it is) -----------------------------------------------------------

function lengthPrefix(len: number, short: number): Uint8Array {
  if (len < 56) return Uint8Array.of(short + len);
  const bytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(short + 55 + bytes.length, ...bytes);
}

function encodeList(items: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const i of items) len += i.length;
  const prefix = lengthPrefix(len, 0xc0);
  const out = new Uint8Array(prefix.length + len);
  out.set(prefix);
  let at = prefix.length;
  for (const i of items) {
    out.set(i, at);
    at += i.length;
  }
  return out;
}

const EMPTY_ITEM = Uint8Array.of(0x80);

/**
 * One trie being changed: `put` and `del` work on decoded nodes in memory, `commit` encodes and
 * hashes every changed node once and returns the new root with the nodes to store.
 */
export class TrieBatch {
  private root: Child;
  private readonly load: NodeLoader;

  constructor(root: Hex, load: NodeLoader) {
    this.load = load;
    this.root = root === EMPTY_TRIE_ROOT ? null : { kind: 'hash', hash: hexToBytes(root) };
  }

  private async resolve(child: HashRef): Promise<TrieNode> {
    const key = bytesToHex(child.hash).slice(2);
    const got = this.load(key);
    const raw = got instanceof Promise ? await got : got;
    if (!raw) throw new Error(`missing trie node ${key}`);
    return decodeNode(RLP.decode(raw) as RlpItem, child.hash);
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const path = nibblesOf(key);
    let node = this.root;
    let at = 0;
    for (;;) {
      if (node === null) return undefined;
      if (node.kind === 'hash') node = await this.resolve(node);
      if (node.kind === 'leaf') return startsWith(path, at, node.path) && at + node.path.length === path.length ? node.value : undefined;
      if (node.kind === 'ext') {
        if (!startsWith(path, at, node.path)) return undefined;
        at += node.path.length;
        node = node.child;
        continue;
      }
      if (at === path.length) return node.value ?? undefined;
      node = node.children[path[at++]];
    }
  }

  async put(key: Uint8Array, value: Uint8Array): Promise<void> {
    if (value.length === 0) return this.del(key);
    this.root = await this.insert(this.root, nibblesOf(key), 0, value);
  }

  async del(key: Uint8Array): Promise<void> {
    this.root = await this.remove(this.root, nibblesOf(key), 0);
  }

  private async insert(child: Child, path: Nibbles, at: number, value: Uint8Array): Promise<TrieNode> {
    if (child === null) return { kind: 'leaf', path: path.slice(at), value };
    const node = child.kind === 'hash' ? await this.resolve(child) : child;
    if (node.kind === 'branch') {
      const b = node.stored ? { kind: 'branch' as const, children: [...node.children], value: node.value } : node;
      if (at === path.length) b.value = value;
      else b.children[path[at]] = await this.insert(b.children[path[at]], path, at + 1, value);
      return b;
    }
    const common = commonPrefix(node.path, path, at);
    if (node.kind === 'leaf' && common === node.path.length && at + common === path.length) return { kind: 'leaf', path: node.path, value };
    if (node.kind === 'ext' && common === node.path.length) {
      const inner = await this.insert(node.child, path, at + common, value);
      return { kind: 'ext', path: node.path, child: inner };
    }
    // The paths diverge after `common` nibbles: a branch there, under an extension for the prefix.
    const branch: Branch = { kind: 'branch', children: new Array<Child>(16).fill(null), value: null };
    const rest = node.path.slice(common + 1);
    if (common === node.path.length) {
      branch.value = (node as Leaf).value;
    } else if (node.kind === 'leaf') {
      branch.children[node.path[common]] = { kind: 'leaf', path: rest, value: node.value };
    } else {
      branch.children[node.path[common]] = rest.length > 0 ? { kind: 'ext', path: rest, child: node.child } : node.child;
    }
    if (at + common === path.length) branch.value = value;
    else branch.children[path[at + common]] = { kind: 'leaf', path: path.slice(at + common + 1), value };
    return common > 0 ? { kind: 'ext', path: node.path.slice(0, common), child: branch } : branch;
  }

  /** The subtree without the key; the same object when the key was not there. */
  private async remove(child: Child, path: Nibbles, at: number): Promise<Child> {
    if (child === null) return null;
    const node = child.kind === 'hash' ? await this.resolve(child) : child;
    if (node.kind === 'leaf') {
      return startsWith(path, at, node.path) && at + node.path.length === path.length ? null : child;
    }
    if (node.kind === 'ext') {
      if (!startsWith(path, at, node.path)) return child;
      const inner = await this.remove(node.child, path, at + node.path.length);
      if (inner === node.child) return child;
      return inner === null ? null : this.prefixed(node.path, inner);
    }
    const b = node.stored ? { kind: 'branch' as const, children: [...node.children], value: node.value } : node;
    if (at === path.length) {
      if (b.value === null) return child;
      b.value = null;
    } else {
      const before = b.children[path[at]];
      const inner = await this.remove(before, path, at + 1);
      if (inner === before) return child;
      b.children[path[at]] = inner;
    }
    let only = -1;
    let count = 0;
    for (let i = 0; i < 16; i++) {
      if (b.children[i] !== null) {
        count++;
        only = i;
      }
    }
    if (count + (b.value ? 1 : 0) >= 2) return b;
    if (count === 0) return b.value ? { kind: 'leaf', path: [], value: b.value } : null;
    // One child left and no value: the branch collapses into its child, one nibble longer.
    return this.prefixed([only], b.children[only] as TrieNode | HashRef);
  }

  /** `child` placed under `prefix`: extensions and leaves absorb the prefix, a branch gets an extension. */
  private async prefixed(prefix: Nibbles, child: TrieNode | HashRef): Promise<TrieNode> {
    const node = child.kind === 'hash' ? await this.resolve(child) : child;
    if (node.kind === 'leaf') return { kind: 'leaf', path: [...prefix, ...node.path], value: node.value };
    if (node.kind === 'ext') return { kind: 'ext', path: [...prefix, ...node.path], child: node.child };
    return { kind: 'ext', path: prefix, child: node };
  }

  /**
   * Encodes and hashes every changed node, bottom up, into `out` (keyed as the store keys them)
   * and returns the new root. Encoded nodes are marked stored, so the trie stays usable for
   * further changes, which copy them as they would nodes read from the store.
   */
  commit(out: Map<string, Uint8Array>): Hex {
    const root = this.root;
    if (root === null) return EMPTY_TRIE_ROOT;
    if (root.kind === 'hash') return bytesToHex(root.hash);
    if (root.stored instanceof Uint8Array) return bytesToHex(root.stored);
    const enc = this.encode(root, out);
    const hash = keccak(enc);
    out.set(bytesToHex(hash).slice(2), enc);
    root.stored = hash;
    return bytesToHex(hash);
  }

  private encode(node: TrieNode, out: Map<string, Uint8Array>): Uint8Array {
    switch (node.kind) {
      case 'leaf':
        return encodeList([RLP.encode(encodePath(node.path, true)), RLP.encode(node.value)]);
      case 'ext':
        return encodeList([RLP.encode(encodePath(node.path, false)), this.reference(node.child, out)]);
      case 'branch': {
        const items = node.children.map((c) => this.reference(c, out));
        items.push(node.value ? RLP.encode(node.value) : EMPTY_ITEM);
        return encodeList(items);
      }
    }
  }

  /** How a parent refers to a child: its hash, or the child itself when it encodes in under 32 bytes. */
  private reference(child: Child, out: Map<string, Uint8Array>): Uint8Array {
    if (child === null) return EMPTY_ITEM;
    if (child.kind === 'hash') return RLP.encode(child.hash);
    if (child.stored instanceof Uint8Array) return RLP.encode(child.stored);
    const enc = this.encode(child, out);
    if (enc.length < 32) {
      child.stored = true;
      return enc;
    }
    const hash = keccak(enc);
    out.set(bytesToHex(hash).slice(2), enc);
    child.stored = hash;
    return RLP.encode(hash);
  }
}

function startsWith(path: Nibbles, at: number, prefix: Nibbles): boolean {
  if (path.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (path[at + i] !== prefix[i]) return false;
  return true;
}

function commonPrefix(nodePath: Nibbles, path: Nibbles, at: number): number {
  let i = 0;
  while (i < nodePath.length && at + i < path.length && nodePath[i] === path[at + i]) i++;
  return i;
}
