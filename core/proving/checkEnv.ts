import type { ChainConfig } from '../chain/config.ts';
import { type ChainHeader, decodeHeader, HeaderFormatError } from '../chain/headerRlp.ts';
import { type Hex, lower } from '../chain/hex.ts';
import { keccakHex } from '../chain/keccak.ts';
import { nextBaseFee } from '../execution/baseFee.ts';
import { buildGenesis } from '../sequencer/genesis.ts';
import type { BlockTrace } from './trace.ts';
import { MAX_TRACE_HEADERS } from './trace.ts';

/** BLOCKHASH reaches the 256 blocks before the executing one. */
const BLOCKHASH_WINDOW = 256n;

export type EnvCheck = { ok: true; blockHashes: Map<bigint, Hex> } | { ok: false; reason: string };

/**
 * Checks what the sequencer chose for a block beyond its transactions, before re-execution:
 *  - the header chain carried in the trace: the parent header hashes to the block's parentHash,
 *    each ancestor to the parentHash of the header after it, numbers counting down by one;
 *  - against the parent: the pre-state root is the parent's state root, the base fee is EIP-1559
 *    from the parent with the chain's floor (nextBaseFee, as the sequencer computes it), the
 *    timestamp is not before the parent's, prevRandao is keccak256 of the parent hash, and a
 *    parent numbered 0 is this chain's genesis;
 *  - against the chain's configuration (never the trace's word): chain id, gas limit and fee
 *    recipient;
 *  - every BLOCKHASH answer is within the 256 blocks before and is the hash of that block's header
 *    in the chain.
 * Returns the BLOCKHASH answers, now vouched for, or the first reason to refuse.
 */
export async function checkEnv(trace: BlockTrace, config: ChainConfig): Promise<EnvCheck> {
  const env = trace.env;
  const refuse = (reason: string): EnvCheck => ({ ok: false, reason });
  if (trace.chainId !== config.chainId) return refuse(`chain id ${trace.chainId} is not this chain's ${config.chainId}`);
  if (trace.headers.length === 0) return refuse('the trace carries no parent header');
  if (trace.headers.length > MAX_TRACE_HEADERS) return refuse(`the trace carries ${trace.headers.length} headers, more than ${MAX_TRACE_HEADERS}`);

  const chain: ChainHeader[] = [];
  try {
    for (const bytes of trace.headers) chain.push(decodeHeader(bytes));
  } catch (e) {
    if (e instanceof HeaderFormatError) return refuse(e.message);
    throw e;
  }
  const parent = chain[0];
  if (parent.hash !== env.parentHash) return refuse(`the parent header hashes to ${parent.hash}, not to the block's parent hash ${env.parentHash}`);
  if (parent.number !== env.number - 1n) return refuse(`the parent header is block ${parent.number}, not block ${env.number - 1n}`);
  for (let i = 1; i < chain.length; i++) {
    const child = chain[i - 1];
    const h = chain[i];
    if (h.hash !== child.parentHash)
      return refuse(`the header of block ${h.number} hashes to ${h.hash}, not to the parent hash ${child.parentHash} of block ${child.number}`);
    if (h.number !== child.number - 1n) return refuse(`the header before block ${child.number} is block ${h.number}`);
  }

  if (trace.preStateRoot !== parent.stateRoot) return refuse(`pre-state root ${trace.preStateRoot} is not the parent's state root ${parent.stateRoot}`);
  const baseFee = nextBaseFee(parent, config.baseFeeFloor);
  if (env.baseFeePerGas !== baseFee)
    return refuse(
      `base fee ${env.baseFeePerGas} is not ${baseFee}, EIP-1559 from the parent (base fee ${parent.baseFeePerGas}, gas used ${parent.gasUsed} of ${parent.gasLimit}, floor ${config.baseFeeFloor})`,
    );
  if (env.timestamp < parent.timestamp) return refuse(`timestamp ${env.timestamp} is before the parent's ${parent.timestamp}`);
  if (env.gasLimit !== config.blockGasLimit) return refuse(`gas limit ${env.gasLimit} is not the chain's ${config.blockGasLimit}`);
  if (lower(env.coinbase) !== lower(config.feeRecipient)) return refuse(`fee recipient ${env.coinbase} is not the chain's ${lower(config.feeRecipient)}`);
  const randao = keccakHex(env.parentHash);
  if (env.prevRandao !== randao) return refuse(`prevRandao ${env.prevRandao} is not keccak256 of the parent hash (${randao})`);
  if (parent.number === 0n) {
    const genesis = (await buildGenesis(config)).header.hash;
    if (parent.hash !== genesis) return refuse(`the parent ${parent.hash} is not this chain's genesis ${genesis}`);
  }

  const known = new Map(chain.map((h) => [h.number, h.hash]));
  const answers = new Map<bigint, Hex>();
  for (const [n, hash] of trace.blockHashes) {
    if (n >= env.number || env.number - n > BLOCKHASH_WINDOW)
      return refuse(`a BLOCKHASH answer for block ${n}, outside the 256 blocks before block ${env.number}`);
    const header = known.get(n);
    if (header === undefined) return refuse(`the header chain does not reach block ${n}, whose hash BLOCKHASH read`);
    if (hash !== header) return refuse(`the BLOCKHASH answer for block ${n} is ${hash}, its header in the chain hashes to ${header}`);
    answers.set(n, hash);
  }
  return { ok: true, blockHashes: answers };
}
