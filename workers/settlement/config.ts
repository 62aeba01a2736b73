import { parseChainConfig } from '../../core/chain/config.ts';
import type { Hex } from '../../core/chain/hex.ts';
import { addressOf } from '../../core/proving/signatures.ts';
import { SETTLEMENT_DEFAULTS, type SettlementConfig } from '../../core/settlement/settler.ts';
import type { Env } from '../env.ts';
import { proverKey } from '../prover/key.ts';

/** The well-known development operator key (anvil's account 8; public, never for value). */
export const DEV_OPERATOR_KEY: Hex = '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97';

/** Settlement settings from the Worker's vars and secrets; null when no L1 is configured. */
export function settlementConfig(env: Env): SettlementConfig | null {
  if (!env.L1_RPC_URL || !env.ROLLUP_ADDRESS || !env.BRIDGE_ADDRESS) return null;
  const prover = proverKey(env);
  return {
    ...SETTLEMENT_DEFAULTS,
    chainId: parseChainConfig(env).chainId,
    l1RpcUrl: env.L1_RPC_URL,
    rollup: env.ROLLUP_ADDRESS as Hex,
    bridge: env.BRIDGE_ADDRESS as Hex,
    deployBlock: BigInt(env.L1_DEPLOY_BLOCK ?? '0'),
    operatorKey: (env.OPERATOR_KEY as Hex | undefined) ?? DEV_OPERATOR_KEY,
    proverKeys: [prover],
    trustedProvers: [addressOf(prover)],
    confirmations: env.L1_CONFIRMATIONS ? Number(env.L1_CONFIRMATIONS) : SETTLEMENT_DEFAULTS.confirmations,
  };
}
