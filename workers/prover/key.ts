import { isDevChain } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { checkSigningKey, type KeyCheck } from '../../core/deployment/safety.ts';
import type { Env } from '../env.ts';

/**
 * The well-known development prover key (anvil's account 9; public, never for value), used only on
 * a local development chain (DEV_CHAIN). Deployed chains set the `PROVER_KEY` secret
 * (`wrangler secret put PROVER_KEY`).
 */
export const DEV_PROVER_KEY: Hex = '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6';

/** The prover's key, or why the Worker refuses to prove with what it has (missing, or public). */
export function proverKeyCheck(env: Env): KeyCheck {
  return checkSigningKey('PROVER_KEY', env.PROVER_KEY, isDevChain(env), DEV_PROVER_KEY);
}

/** The prover's key; throws (so a proving job is retried, never acknowledged) when it is refused. */
export function proverKey(env: Env): Hex {
  const check = proverKeyCheck(env);
  if (!check.ok) throw new Error(`refusing to prove: ${check.reason}`);
  return check.key;
}
