import { paramsBlock } from '@ethereumjs/block';
import { Common, Hardfork, Mainnet, type ParamsDict } from '@ethereumjs/common';
import { paramsEVM } from '@ethereumjs/evm';
import { paramsTx } from '@ethereumjs/tx';
import { paramsVM } from '@ethereumjs/vm';

/**
 * EthereumJS copies its Common and re-merges a parameter set (JSON deep copies, then a rebuilt
 * cache) for every transaction, header, EVM and VM it builds: measurable on the sequencer's hot
 * path. This chain's rules never change (Prague, one chain id), so one Common carries every
 * parameter set, merged once, and shares itself instead of copying. Nothing here switches
 * hardforks (runTx runs with skipHardForkValidation).
 */
class FixedCommon extends Common {
  override copy(): Common {
    return this;
  }

  override updateParams(_params: ParamsDict): void {}
}

const cache = new Map<bigint, Common>();

/** EthereumJS chain rules for this chain: Prague, with the configured chain id. One per chain id. */
export function chainCommon(chainId: bigint): Common {
  let common = cache.get(chainId);
  if (!common) {
    common = new FixedCommon({ chain: { ...Mainnet, chainId: Number(chainId), name: `edge-rollup-${chainId}` }, hardfork: Hardfork.Prague });
    for (const params of [paramsTx, paramsBlock, paramsEVM, paramsVM]) Common.prototype.updateParams.call(common, params);
    cache.set(chainId, common);
  }
  return common;
}

export type { Common };
