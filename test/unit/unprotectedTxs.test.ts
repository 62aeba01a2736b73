/**
 * Legacy transactions without EIP-155 replay protection: refused at the edge unless
 * ALLOW_UNPROTECTED_TXS, and once admitted sealed by the sequencer and re-executed by the prover,
 * which accepts them whatever the edge's setting (docs/decisions/0020).
 */
import { readFileSync } from 'node:fs';
import { parseEther } from 'viem';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { hexToBigInt } from '../../core/chain/hex.ts';
import { reexecuteBlock } from '../../core/proving/reexecute.ts';
import { decodeTrace, encodeTrace } from '../../core/proving/trace.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { devAccount } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/standard-deployments.json', import.meta.url), 'utf8'));
const KEYLESS_SENDER = fixture.deterministicDeploymentProxy.sender as `0x${string}`;

describe('unprotected (pre-EIP-155) legacy transactions', () => {
  it('are refused unless ALLOW_UNPROTECTED_TXS, which must be a boolean', () => {
    expect(parseChainConfig({}).allowUnprotectedTxs).toBe(false);
    expect(parseChainConfig({ ALLOW_UNPROTECTED_TXS: 'true' }).allowUnprotectedTxs).toBe(true);
    expect(() => parseChainConfig({ ALLOW_UNPROTECTED_TXS: 'yes' })).toThrow(/must be true or false/);
    const raw = fixture.deterministicDeploymentProxy.transaction;
    expect(() => checkRawTransaction(raw, 31337n, 30_000_000n)).toThrow(/only replay-protected \(EIP-155\) transactions allowed over RPC/);
    const checked = checkRawTransaction(raw, 31337n, 30_000_000n, undefined, true);
    expect(checked.sender).toBe(KEYLESS_SENDER);
    expect(checked.type).toBe(0);
  });

  it('a keyless deployment and an unprotected transfer are sealed, and the prover re-executes the block', async () => {
    const config = parseChainConfig({ DEV_CHAIN: '1', ALLOW_UNPROTECTED_TXS: 'true' });
    const seq = new SequencerCore(nodeSql(), config);
    await seq.init();
    const check = (raw: string) => checkRawTransaction(raw, config.chainId, config.blockGasLimit, undefined, config.allowUnprotectedTxs);
    // Fund the keyless deployer, as anyone replaying it on a new chain does (100,000 gas at 100 gwei).
    const fund = await devAccount(0).signTransaction({
      chainId: 31337,
      type: 'eip1559',
      nonce: 0,
      to: KEYLESS_SENDER,
      value: parseEther('0.01'),
      gas: 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
    });
    seq.submit([check(fund)]);
    await seq.seal(1_800_000_000_000);
    // viem signs a legacy transaction without chainId as unprotected (v = 27 or 28).
    const transfer = await devAccount(1).signTransaction({
      type: 'legacy',
      nonce: 0,
      to: '0x000000000000000000000000000000000000beef',
      value: 1n,
      gas: 21_000n,
      gasPrice: 10n ** 10n,
    });
    const txs = [check(fixture.deterministicDeploymentProxy.transaction), check(transfer)];
    expect(seq.submit(txs)).toEqual(txs.map((t) => ({ hash: t.hash })));
    const sealed = await seq.seal(1_800_000_001_000, { trace: true });
    expect(sealed?.included).toEqual(txs.map((t) => t.hash));
    // The proxy is already in genesis, so its keyless deployment collides and reverts, consuming its nonce.
    expect(seq.receipt(txs[0].hash)?.status).toBe('0x0');
    expect(seq.account(KEYLESS_SENDER)?.nonce).toBe(1n);
    expect(seq.receipt(txs[1].hash)?.status).toBe('0x1');
    expect(seq.account('0x000000000000000000000000000000000000beef')?.balance).toBe(1n);
    expect(hexToBigInt(seq.receipt(txs[1].hash)?.effectiveGasPrice ?? '0x0')).toBe(10n ** 10n);
    if (!sealed?.trace) throw new Error('no trace');
    const verdict = await reexecuteBlock(decodeTrace(encodeTrace(sealed.trace)), config);
    expect(verdict).toEqual({ valid: true, result: expect.objectContaining({ stateRoot: sealed.header.stateRoot, blockHash: sealed.header.hash }) });
  });
});
