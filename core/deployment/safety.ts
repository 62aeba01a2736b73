import { getAddress, isAddress } from 'viem';
import { type ChainVars, ConfigError, isDevChain, parseChainConfig } from '../chain/config.ts';
import type { Hex } from '../chain/hex.ts';
import { addressOf } from '../proving/signatures.ts';
import { wellKnownAddressIndex, wellKnownKeyIndex } from './wellKnownKeys.ts';

/**
 * What keeps a deployed chain from holding value on public keys: the checks the Worker applies
 * before it proves or settles, and that `npm run deploy:check` applies to a deploy configuration.
 * Everything here reads plain string vars, so it runs in the Worker and in Node alike.
 */

/** Vars and secrets these checks read (wrangler.toml [vars] plus `wrangler secret put` values). */
export interface DeploymentVars extends ChainVars {
  PROVER_KEY?: string;
  OPERATOR_KEY?: string;
  /** Comma-separated addresses of the block provers whose proofs settlement counts. */
  TRUSTED_PROVERS?: string;
  L1_RPC_URL?: string;
  ROLLUP_ADDRESS?: string;
  BRIDGE_ADDRESS?: string;
  /** Local fault injection for the proving tests (workers/prover/queue.ts): never deployed. */
  PROVING_FAULTS?: string;
}

export type SecretName = 'PROVER_KEY' | 'OPERATOR_KEY';

export type KeyCheck = { ok: true; key: Hex; address: Hex } | { ok: false; reason: string };

const MNEMONIC_NAME = 'the mnemonic "test test ... junk"';

/**
 * Addresses of the keys checked so far: deriving one costs a curve multiplication (about 1-5 ms of
 * CPU), and every /status reading, proving batch and settlement run checks the same few secrets.
 * Bounded: a Worker has two keys; the map is emptied past 16.
 */
const addresses = new Map<Hex, Hex>();
export function checksummedAddressOf(key: Hex): Hex {
  let address = addresses.get(key);
  if (!address) {
    address = getAddress(addressOf(key));
    if (addresses.size >= 16) addresses.clear();
    addresses.set(key, address);
  }
  return address;
}

/**
 * A signing key from a secret. Refused when it is missing, malformed or a well-known development
 * key, unless DEV_CHAIN is on; then a missing key is `devDefault` (the local L1 registers it).
 */
export function checkSigningKey(name: SecretName, value: string | undefined, devChain: boolean, devDefault: Hex): KeyCheck {
  const raw = value?.trim();
  if (!raw) {
    if (devChain) return { ok: true, key: devDefault, address: checksummedAddressOf(devDefault) };
    return { ok: false, reason: `${name} is not set (a secret: wrangler secret put ${name})` };
  }
  const key = (raw.startsWith('0x') ? raw : `0x${raw}`).toLowerCase() as Hex;
  if (!/^0x[0-9a-f]{64}$/.test(key)) return { ok: false, reason: `${name} is not a 32-byte hex private key` };
  let address: Hex;
  try {
    address = checksummedAddressOf(key);
  } catch {
    return { ok: false, reason: `${name} is not a valid secp256k1 private key` };
  }
  const index = wellKnownKeyIndex(key);
  if (index !== undefined && !devChain) {
    return { ok: false, reason: `${name} is the public development key of account ${index} of ${MNEMONIC_NAME}: anyone can sign with it` };
  }
  return { ok: true, key, address };
}

export type ProversCheck = { ok: true; addresses: Hex[] } | { ok: false; reason: string };

/**
 * The block provers whose proofs count (TRUSTED_PROVERS). Required on a deployed chain, and none
 * may be a development account; with DEV_CHAIN an unset list trusts the local prover key alone.
 */
export function checkTrustedProvers(value: string | undefined, devChain: boolean, localProver?: Hex): ProversCheck {
  const raw = value?.trim();
  if (!raw) {
    if (devChain && localProver) return { ok: true, addresses: [localProver] };
    return { ok: false, reason: 'TRUSTED_PROVERS is not set (comma-separated addresses of the block provers whose proofs count)' };
  }
  const addresses: Hex[] = [];
  for (const entry of raw.split(',')) {
    const a = entry.trim();
    if (!isAddress(a, { strict: false })) return { ok: false, reason: `TRUSTED_PROVERS entry is not an address: ${JSON.stringify(a.slice(0, 60))}` };
    const index = wellKnownAddressIndex(a);
    if (index !== undefined && !devChain) {
      return { ok: false, reason: `TRUSTED_PROVERS lists ${getAddress(a)}, account ${index} of ${MNEMONIC_NAME}: its key is public` };
    }
    addresses.push(getAddress(a));
  }
  return { ok: true, addresses };
}

/** Whether the vars switch L1 settlement on (the Worker's rule: settlement/config.ts). */
export function settlementConfigured(vars: DeploymentVars): boolean {
  return Boolean(vars.L1_RPC_URL && vars.ROLLUP_ADDRESS && vars.BRIDGE_ADDRESS);
}

/**
 * Why a configuration must not be deployed, for `npm run deploy:check`: the dev opt-in, a funded
 * genesis, secrets written into [vars], and (for the values it is given) development or missing
 * keys and trusted provers. `secrets` is null when the check cannot see them.
 */
export function deploymentProblems(vars: DeploymentVars, secrets: Record<string, string> | null): string[] {
  const problems: string[] = [];
  if (vars.DEV_CHAIN !== undefined)
    problems.push(`DEV_CHAIN is set in [vars] (${JSON.stringify(vars.DEV_CHAIN)}): it is the local-development opt-in, never for a deployment`);
  if (secrets && isDevChain(secrets)) problems.push('DEV_CHAIN is set among the secrets: it is the local-development opt-in, never for a deployment');
  try {
    // Without DEV_CHAIN a funded GENESIS_ACCOUNTS is refused here, and the default genesis is empty.
    parseChainConfig({ ...vars, DEV_CHAIN: undefined });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(`chain configuration: ${e.message}`);
  }
  // Fault injection (workers/prover/queue.ts) is for local tests only.
  if (vars.PROVING_FAULTS !== undefined || secrets?.PROVING_FAULTS !== undefined)
    problems.push('PROVING_FAULTS is set: it drops and dead-letters proving jobs on purpose, for local tests only');
  for (const name of ['PROVER_KEY', 'OPERATOR_KEY'] as const) {
    if (vars[name] !== undefined)
      problems.push(`${name} is in [vars], readable by anyone who reads wrangler.toml: it is a secret (wrangler secret put ${name})`);
  }
  const all: DeploymentVars = { ...vars, ...secrets };
  const settles = settlementConfigured(all);
  if (secrets) {
    const prover = checkSigningKey('PROVER_KEY', all.PROVER_KEY, false, '0x');
    if (!prover.ok) problems.push(prover.reason);
    if (settles || all.OPERATOR_KEY !== undefined) {
      const operator = checkSigningKey('OPERATOR_KEY', all.OPERATOR_KEY, false, '0x');
      if (!operator.ok) problems.push(operator.reason);
    }
  } else {
    // Still refuse well-known keys written into [vars] (missing ones cannot be told from secrets).
    for (const name of ['PROVER_KEY', 'OPERATOR_KEY'] as const) {
      const check = vars[name] === undefined ? null : checkSigningKey(name, vars[name], false, '0x');
      if (check && !check.ok) problems.push(check.reason);
    }
  }
  if (settles || all.TRUSTED_PROVERS !== undefined) {
    const provers = checkTrustedProvers(all.TRUSTED_PROVERS, false);
    if (!provers.ok) problems.push(provers.reason);
  }
  return problems;
}
