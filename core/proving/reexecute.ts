import { withdrawalLeaf } from '../bridge/withdrawals.ts';
import type { ChainConfig } from '../chain/config.ts';
import { sealHeader } from '../chain/format.ts';
import { bytesToHex, type Hex } from '../chain/hex.ts';
import { keccak, keccakHex } from '../chain/keccak.ts';
import { type Executor, executeBlock, type TxObserver } from '../execution/executeBlock.ts';
import { applyDiffToTrie, type TrieNodeSource } from '../state/stateTrie.ts';
import { TrieStateReader } from '../state/trieState.ts';
import { EMPTY_CODE_HASH } from '../state/types.ts';
import { checkRawTransaction } from '../tx/decodeTransaction.ts';
import { nobleRecover, type RecoverPublicKey } from '../tx/recover.ts';
import { checkEnv } from './checkEnv.ts';
import { type BlockClaims, type BlockTrace, claimsOf } from './trace.ts';

/** What re-execution produced: the same fields the trace claims. */
export type Reexecution = BlockClaims;

export type Verdict = { valid: true; result: Reexecution } | { valid: false; reason: string };

class WitnessError extends Error {}

/**
 * Re-executes a block from its trace alone, with the sequencer's own execution code, and says
 * whether what the sequencer claimed is what came out. The block's environment is first checked
 * against its parent header and the chain's configuration `config` (checkEnv.ts): the trace's word
 * is never taken for the chain id, gas limit, fee recipient or base fee floor. Trie nodes, code and
 * headers are looked up by their hash, so a witness altered in any byte lacks the node, code or
 * header it claims to hold and is refused. Holds no state between calls. The tracers of debug_trace*
 * (core/tracing/replay.ts) watch this same re-execution through `observe`: an observer, and an
 * executor whose EVM is metered.
 */
export async function reexecuteBlock(
  trace: BlockTrace,
  config: ChainConfig,
  recover: RecoverPublicKey = nobleRecover,
  observe: { observer?: TxObserver; executor?: Executor } = {},
): Promise<Verdict> {
  const checked = await checkEnv(trace, config);
  if (!checked.ok) return { valid: false, reason: checked.reason };
  const blockHashes = checked.blockHashes;
  const nodes = new Map<string, Uint8Array>();
  for (const n of trace.nodes) nodes.set(bytesToHex(keccak(n)).slice(2), n);
  const codes = new Map<Hex, Uint8Array>();
  for (const c of trace.codes) codes.set(keccakHex(c), c);
  // A node the witness lacks is an error, never an empty subtree: absence must be proven.
  const source: TrieNodeSource = {
    node: (key) => {
      const n = nodes.get(key);
      if (!n) throw new WitnessError(`the witness lacks a trie node: ${key}`);
      return n;
    },
  };
  const reader = new TrieStateReader(trace.preStateRoot, source, {
    code: (hash) => {
      const code = codes.get(hash);
      if (!code && hash !== EMPTY_CODE_HASH) throw new WitnessError(`the witness lacks the code with hash ${hash}`);
      return code;
    },
  });
  let result: Reexecution;
  try {
    // Unprotected legacy transactions are valid in blocks; refusing them is an RPC policy of the edge.
    const txs = trace.transactions.map((raw) => checkRawTransaction(raw, config.chainId, config.blockGasLimit, recover, true));
    for (let i = 1; i < trace.priorityOps.length; i++) {
      if (trace.priorityOps[i].index !== trace.priorityOps[0].index + BigInt(i))
        return { valid: false, reason: 'the priority operations do not continue the queue' };
    }
    // The EVM asks only for the 256 blocks before; the sequencer recorded every answer it gave.
    const blockHash = (n: bigint) => {
      const h = blockHashes.get(n);
      if (!h) throw new WitnessError(`the trace lacks the BLOCKHASH answer for block ${n}`);
      return h;
    };
    const exec = await executeBlock(
      config,
      trace.env,
      { priorityOps: trace.priorityOps, txs },
      reader,
      blockHash,
      observe.executor,
      undefined,
      observe.observer,
    );
    const refused = exec.outcomes.find((o) => o.status !== 'included');
    if (refused) return { valid: false, reason: `transaction ${refused.hash} does not execute in this block: ${'reason' in refused ? refused.reason : ''}` };
    const update = await applyDiffToTrie(source, trace.preStateRoot, exec.diff, (a) => reader.account(a));
    const header = sealHeader(config.chainId, trace.env, exec, update.stateRoot);
    result = claimsOf(header, exec.withdrawals);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { valid: false, reason: message };
  }
  const c = trace.claimed;
  for (const field of ['stateRoot', 'transactionsRoot', 'receiptsRoot', 'logsBloom', 'gasUsed', 'blockHash'] as const) {
    if (result[field] !== c[field]) return { valid: false, reason: `${field} differs: claimed ${c[field]}, re-executed ${result[field]}` };
  }
  const leaves = (ws: BlockClaims['withdrawals']) => ws.map(withdrawalLeaf).join();
  if (leaves(result.withdrawals) !== leaves(c.withdrawals)) return { valid: false, reason: 'withdrawals differ from the claimed ones' };
  return { valid: true, result };
}
