import { type Common, createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common';

/** EthereumJS chain rules for this chain: Prague, with the configured chain id. One per chain id. */
const cache = new Map<bigint, Common>();

export function chainCommon(chainId: bigint): Common {
  let common = cache.get(chainId);
  if (!common) {
    common = createCustomCommon({ chainId: Number(chainId), name: `edge-rollup-${chainId}` }, Mainnet, { hardfork: Hardfork.Prague });
    cache.set(chainId, common);
  }
  return common;
}

export type { Common };
