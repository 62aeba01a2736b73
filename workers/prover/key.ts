import type { Hex } from '../../core/chain/hex.ts';
import type { Env } from '../env.ts';

/**
 * The well-known development prover key (anvil's account 9; public, never for value). Deployed
 * chains set the `PROVER_KEY` secret (`wrangler secret put PROVER_KEY`).
 */
export const DEV_PROVER_KEY: Hex = '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6';

export function proverKey(env: Env): Hex {
  return (env.PROVER_KEY as Hex | undefined) ?? DEV_PROVER_KEY;
}
