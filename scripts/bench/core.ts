/**
 * The sequencer's hot path without any runtime around it: edge checks, admission and sealing of
 * blocks of signed transfers, on the core over node:sqlite. The before/after figure for changes
 * to the hot path: `node scripts/bench/core.ts [--txs N] [--senders C] [--rounds R] [--trace]` (--trace also
 * records each block's witness and encodes its trace blob, as proving needs). Sealing is reported
 * in wall time and in the process's CPU time (user + system), which a shared, loaded machine
 * disturbs far less.
 */
import { keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { parseChainConfig } from '../../core/chain/config.ts';
import { encodeTrace } from '../../core/proving/trace.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { nodeSql } from '../../test/support/nodeSql.ts';

export interface CoreFigures {
  txs: number;
  checkUsPerTx: number;
  submitUsPerTx: number;
  sealUsPerTx: number;
  sealTxPerSec: number;
  /** CPU time (user + system) of the process while sealing. */
  sealCpuUsPerTx: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchCore(opts: { txs: number; senders: number; rounds: number; trace?: boolean }): Promise<CoreFigures> {
  const senders = Array.from({ length: opts.senders }, (_, i) => privateKeyToAccount(keccak256(toHex(`core-bench-sender-${i}`))));
  const config = parseChainConfig({ DEV_CHAIN: '1', GENESIS_ACCOUNTS: senders.map((s) => `${s.address}=${10n ** 24n}`).join(',') });
  const seq = new SequencerCore(nodeSql(), config);
  await seq.init();
  const perSender = Math.ceil(opts.txs / opts.senders);
  const nonces = senders.map(() => 0);
  const check: number[] = [];
  const submit: number[] = [];
  const seal: number[] = [];
  const sealCpu: number[] = [];
  for (let round = 0; round < opts.rounds; round++) {
    const raws: string[] = [];
    for (let n = 0; n < perSender; n++) {
      for (const [i, s] of senders.entries()) {
        if (raws.length === opts.txs) break;
        raws.push(
          await s.signTransaction({
            chainId: Number(config.chainId),
            type: 'eip1559',
            to: '0x000000000000000000000000000000000000dead',
            value: 1n,
            nonce: nonces[i]++,
            gas: 21_000n,
            maxFeePerGas: 10n ** 10n,
            maxPriorityFeePerGas: 1n,
          }),
        );
      }
    }
    let t = performance.now();
    const checked = raws.map((r) => checkRawTransaction(r, config.chainId, config.blockGasLimit));
    check.push((performance.now() - t) / raws.length);
    t = performance.now();
    seq.submit(checked);
    submit.push((performance.now() - t) / raws.length);
    t = performance.now();
    const cpu = process.cpuUsage();
    let sealed = 0;
    for (let blocks = 0; seq.hasPending() && blocks < 100; blocks++) {
      const r = await seq.seal(Date.now(), { trace: opts.trace });
      if (r?.trace) encodeTrace(r.trace);
      sealed += r?.included.length ?? 0;
    }
    seal.push((performance.now() - t) / raws.length);
    const used = process.cpuUsage(cpu);
    sealCpu.push((used.user + used.system) / 1000 / raws.length);
    if (sealed !== raws.length) throw new Error(`sealed ${sealed} of ${raws.length} transactions`);
  }
  const sealMs = median(seal);
  return {
    txs: opts.txs,
    checkUsPerTx: median(check) * 1000,
    submitUsPerTx: median(submit) * 1000,
    sealUsPerTx: sealMs * 1000,
    sealTxPerSec: 1000 / sealMs,
    sealCpuUsPerTx: median(sealCpu) * 1000,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--help')) {
    console.log(`node scripts/bench/core.ts [--txs N] [--senders C] [--rounds R] [--trace]

Seals blocks of signed transfers on the sequencer core over node:sqlite and prints medians over the rounds:
  --txs N      transfers per round, sealed into blocks (default 1000)
  --senders C  distinct senders (default 32)
  --rounds R   rounds; the figures are medians over them (default 5)
  --trace      also record each block's witness and encode its trace blob, as proving needs
Prints edge check, admission and seal time per transaction (wall), seal CPU time per transaction
(user + system of this process) and seal throughput.`);
    process.exit(0);
  }
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const trace = process.argv.includes('--trace');
  const f = await benchCore({ txs: arg('txs', 1000), senders: arg('senders', 32), rounds: arg('rounds', 5), trace });
  console.log(
    `core (plain Node, median of rounds${trace ? ', with trace' : ''}): ${f.txs} transfers/block: edge check ${f.checkUsPerTx.toFixed(0)} us/tx, admit ${f.submitUsPerTx.toFixed(0)} us/tx, seal ${f.sealUsPerTx.toFixed(0)} us/tx (CPU ${f.sealCpuUsPerTx.toFixed(0)} us/tx) = ${f.sealTxPerSec.toFixed(0)} tx/s`,
  );
}
