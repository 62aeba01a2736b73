/**
 * Development accounts and keys belong to local development only: the genesis holds no ETH unless
 * DEV_CHAIN is on, the well-known keys are refused outside it, trusted provers are configuration,
 * and settlement refuses to run on what it would have to trust blindly.
 */
import { getAddress } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { DEV_ACCOUNTS, parseChainConfig } from '../../core/chain/config.ts';
import { checkSigningKey, checkTrustedProvers } from '../../core/deployment/safety.ts';
import { WELL_KNOWN_KEYS, wellKnownAddressIndex, wellKnownKeyIndex } from '../../core/deployment/wellKnownKeys.ts';
import { buildGenesis, predeploys } from '../../core/sequencer/genesis.ts';
import type { Env } from '../../workers/env.ts';
import { DEV_PROVER_KEY, proverKey } from '../../workers/prover/key.ts';
import { DEV_OPERATOR_KEY, settlementConfig } from '../../workers/settlement/config.ts';
import { devKey } from '../support/accounts.ts';

const env = (vars: Record<string, string>) => vars as unknown as Env;
const L1 = { L1_RPC_URL: 'http://127.0.0.1:1', ROLLUP_ADDRESS: `0x${'11'.repeat(20)}`, BRIDGE_ADDRESS: `0x${'22'.repeat(20)}` };

describe('genesis: no unbacked ETH outside local development', () => {
  it('is empty by default (what wrangler deploy gets): only the predeployed system contracts, no balance', async () => {
    const config = parseChainConfig({});
    expect(config.devChain).toBe(false);
    expect(config.genesisAlloc.size).toBe(0);
    const genesis = await buildGenesis(config);
    expect([...genesis.diff.accounts.keys()].sort()).toEqual(
      predeploys(config.chainId)
        .map((p) => p.address)
        .sort(),
    );
    expect([...genesis.diff.accounts.values()].every((a) => a?.balance === 0n)).toBe(true);
  });

  it('funds the ten development accounts only with DEV_CHAIN', () => {
    for (const on of ['1', 'true']) {
      const config = parseChainConfig({ DEV_CHAIN: on });
      expect(config.devChain).toBe(true);
      expect([...config.genesisAlloc.keys()]).toEqual(DEV_ACCOUNTS);
    }
    for (const off of ['0', 'false', '', 'yes']) expect(parseChainConfig({ DEV_CHAIN: off }).genesisAlloc.size).toBe(0);
  });

  it('refuses GENESIS_ACCOUNTS with a balance without DEV_CHAIN, and accepts zero balances', () => {
    const someone = getAddress(privateKeyToAccount(generatePrivateKey()).address);
    expect(() => parseChainConfig({ GENESIS_ACCOUNTS: `${someone}=1` })).toThrow(/GENESIS_ACCOUNTS funds accounts.*DEV_CHAIN/);
    expect(parseChainConfig({ GENESIS_ACCOUNTS: `${someone}=0` }).genesisAlloc.get(someone)).toBe(0n);
    expect(parseChainConfig({ DEV_CHAIN: '1', GENESIS_ACCOUNTS: `${someone}=5` }).genesisAlloc).toEqual(new Map([[someone, 5n]]));
    expect(() => parseChainConfig({ DEV_CHAIN: '1', GENESIS_ACCOUNTS: `${someone}=-5` })).toThrow(/address=wei/);
  });
});

describe('well-known keys', () => {
  it('are the first 20 accounts of the development mnemonic, including every key the repository ships', () => {
    expect(WELL_KNOWN_KEYS.map(([key]) => key)).toEqual(Array.from({ length: 20 }, (_, i) => devKey(i)));
    for (const [key, address] of WELL_KNOWN_KEYS) expect(privateKeyToAccount(key).address).toBe(address);
    expect(wellKnownKeyIndex(DEV_PROVER_KEY)).toBe(9);
    expect(wellKnownKeyIndex(DEV_OPERATOR_KEY)).toBe(8);
    expect(wellKnownKeyIndex(devKey(19).slice(2).toUpperCase())).toBe(19);
    expect(wellKnownAddressIndex(DEV_ACCOUNTS[3].toLowerCase())).toBe(3);
    expect(wellKnownKeyIndex(generatePrivateKey())).toBeUndefined();
  });

  it('a signing key is refused when missing, malformed or well-known, unless DEV_CHAIN', () => {
    const fresh = generatePrivateKey();
    expect(checkSigningKey('PROVER_KEY', fresh, false, DEV_PROVER_KEY)).toEqual({ ok: true, key: fresh, address: privateKeyToAccount(fresh).address });
    expect(checkSigningKey('PROVER_KEY', undefined, false, DEV_PROVER_KEY)).toEqual({ ok: false, reason: expect.stringMatching(/PROVER_KEY is not set/) });
    expect(checkSigningKey('OPERATOR_KEY', '  ', false, DEV_OPERATOR_KEY)).toEqual({ ok: false, reason: expect.stringMatching(/OPERATOR_KEY is not set/) });
    expect(checkSigningKey('PROVER_KEY', '0x1234', false, DEV_PROVER_KEY)).toEqual({ ok: false, reason: expect.stringMatching(/32-byte hex/) });
    expect(checkSigningKey('PROVER_KEY', `0x${'00'.repeat(32)}`, false, DEV_PROVER_KEY)).toEqual({ ok: false, reason: expect.stringMatching(/not a valid/) });
    for (let i = 0; i < 20; i++) {
      expect(checkSigningKey('OPERATOR_KEY', devKey(i), false, DEV_OPERATOR_KEY)).toEqual({
        ok: false,
        reason: expect.stringContaining(`public development key of account ${i} `),
      });
    }
    // Local development: the public keys are fine, and a missing one is the development default.
    expect(checkSigningKey('PROVER_KEY', devKey(3), true, DEV_PROVER_KEY)).toMatchObject({ ok: true, key: devKey(3) });
    expect(checkSigningKey('PROVER_KEY', undefined, true, DEV_PROVER_KEY)).toMatchObject({ ok: true, key: DEV_PROVER_KEY });
    expect(() => proverKey(env({}))).toThrow(/refusing to prove: PROVER_KEY is not set/);
    expect(proverKey(env({ DEV_CHAIN: '1' }))).toBe(DEV_PROVER_KEY);
  });

  it('trusted provers are a configured list of addresses, none of them a development account outside DEV_CHAIN', () => {
    const [a, b] = [privateKeyToAccount(generatePrivateKey()).address, privateKeyToAccount(generatePrivateKey()).address];
    expect(checkTrustedProvers(` ${a.toLowerCase()}, ${b}`, false)).toEqual({ ok: true, addresses: [a, b] });
    expect(checkTrustedProvers(undefined, false, a)).toEqual({ ok: false, reason: expect.stringMatching(/TRUSTED_PROVERS is not set/) });
    expect(checkTrustedProvers(`${a},nope`, false)).toEqual({ ok: false, reason: expect.stringMatching(/not an address: "nope"/) });
    expect(checkTrustedProvers(`${a},${DEV_ACCOUNTS[9]}`, false)).toEqual({ ok: false, reason: expect.stringMatching(/account 9/) });
    expect(checkTrustedProvers(undefined, true, a)).toEqual({ ok: true, addresses: [a] });
  });
});

describe('settlement configuration', () => {
  it('refuses to settle with missing or public keys or without TRUSTED_PROVERS, and takes the trusted provers from configuration', () => {
    expect(settlementConfig(env({}))).toBeNull();
    expect(settlementConfig(env(L1))).toEqual({ refused: expect.stringMatching(/OPERATOR_KEY is not set.*PROVER_KEY is not set.*TRUSTED_PROVERS is not set/) });
    const prover = generatePrivateKey();
    const operator = generatePrivateKey();
    const other = privateKeyToAccount(generatePrivateKey()).address;
    expect(settlementConfig(env({ ...L1, PROVER_KEY: prover, OPERATOR_KEY: DEV_OPERATOR_KEY, TRUSTED_PROVERS: other }))).toEqual({
      refused: expect.stringMatching(/^refusing to settle: OPERATOR_KEY is the public development key of account 8/),
    });
    // The trusted set is what TRUSTED_PROVERS says, not the address of our own key.
    const config = settlementConfig(env({ ...L1, PROVER_KEY: prover, OPERATOR_KEY: operator, TRUSTED_PROVERS: other }));
    expect(config).toMatchObject({ operatorKey: operator, proverKeys: [prover], trustedProvers: [other] });
    // A development chain keeps the local defaults: the development keys, the local prover trusted.
    expect(settlementConfig(env({ ...L1, DEV_CHAIN: '1' }))).toMatchObject({
      operatorKey: DEV_OPERATOR_KEY,
      proverKeys: [DEV_PROVER_KEY],
      trustedProvers: [privateKeyToAccount(DEV_PROVER_KEY).address],
    });
  });
});
