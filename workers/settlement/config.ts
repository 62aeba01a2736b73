import { isDevChain, parseChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { checkSigningKey, checkTrustedProvers, settlementConfigured } from '../../core/deployment/safety.ts';
import { SETTLEMENT_DEFAULTS, type SettlementConfig } from '../../core/settlement/settler.ts';
import type { Env } from '../env.ts';
import { proverKeyCheck } from '../prover/key.ts';

/** The well-known development operator key (anvil's account 8; public, never for value): DEV_CHAIN only. */
export const DEV_OPERATOR_KEY: Hex = '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97';

/**
 * Settlement settings from the Worker's vars and secrets: null when no L1 is configured, and
 * `{ refused }` when the keys are missing or public (a development key outside DEV_CHAIN) or
 * TRUSTED_PROVERS is missing: the settler then sends nothing.
 */
export function settlementConfig(env: Env): SettlementConfig | { refused: string } | null {
  if (!settlementConfigured(env)) return null;
  const dev = isDevChain(env);
  const operator = checkSigningKey('OPERATOR_KEY', env.OPERATOR_KEY, dev, DEV_OPERATOR_KEY);
  // The aggregated proof is signed with the prover key, which the L1 verifier has registered.
  const prover = proverKeyCheck(env);
  const trusted = checkTrustedProvers(env.TRUSTED_PROVERS, dev, prover.ok ? prover.address : undefined);
  const refusals = [operator, prover, trusted].flatMap((c) => (c.ok ? [] : [c.reason]));
  if (!operator.ok || !prover.ok || !trusted.ok) return { refused: `refusing to settle: ${refusals.join('; ')}` };
  return {
    ...SETTLEMENT_DEFAULTS,
    chainId: parseChainConfig(env).chainId,
    l1RpcUrl: env.L1_RPC_URL as string,
    rollup: env.ROLLUP_ADDRESS as Hex,
    bridge: env.BRIDGE_ADDRESS as Hex,
    deployBlock: BigInt(env.L1_DEPLOY_BLOCK ?? '0'),
    operatorKey: operator.key,
    proverKeys: [prover.key],
    // Configuration, not "whoever holds our key": the provers whose block proofs count.
    trustedProvers: trusted.addresses,
    confirmations: env.L1_CONFIRMATIONS ? Number(env.L1_CONFIRMATIONS) : SETTLEMENT_DEFAULTS.confirmations,
  };
}
