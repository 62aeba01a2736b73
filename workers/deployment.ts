import { isDevChain } from '../core/chain/config.ts';
import { checksummedAddressOf, type KeyCheck } from '../core/deployment/safety.ts';
import type { Env } from './env.ts';
import { proverKeyCheck } from './prover/key.ts';
import { settlementConfig } from './settlement/config.ts';

export interface DeploymentStatus {
  /** DEV_CHAIN is on: development accounts funded at genesis, public keys accepted. */
  devChain: boolean;
  /** The prover's address, or why it refuses to prove. */
  prover: { ready: true; address: string } | { ready: false; refused: string };
  /** Settlement's keys and trusted provers, or why it refuses to settle; 'disabled' without an L1. */
  settlement: 'disabled' | { ready: true; operator: string; trustedProvers: string[] } | { ready: false; refused: string };
}

const keyStatus = (c: KeyCheck) => (c.ok ? { ready: true as const, address: c.address } : { ready: false as const, refused: c.reason });

/** For /status: whether this Worker's secrets and vars let it prove and settle, from its env alone (no key is shown). */
export function deploymentStatus(env: Env): DeploymentStatus {
  const settlement = settlementConfig(env);
  return {
    devChain: isDevChain(env),
    prover: keyStatus(proverKeyCheck(env)),
    settlement: !settlement
      ? 'disabled'
      : 'refused' in settlement
        ? { ready: false, refused: settlement.refused }
        : { ready: true, operator: checksummedAddressOf(settlement.operatorKey), trustedProvers: settlement.trustedProvers },
  };
}
