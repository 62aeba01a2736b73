/**
 * L1 settlement cost of a bench run, read from L1 itself: every transaction the operator sent to
 * the rollup contract, its gas, its kind (commit, prove, execute), the batches it covered and the L2
 * transactions in the committed batch data. Waits first (bounded) until every batch the chain
 * closed is executed on L1.
 */
import { decodeFunctionData, type Hex } from 'viem';
import { decodeBatchData } from '../../core/batches/batchData.ts';
import { hexToBytes } from '../../core/chain/hex.ts';
import { rollupAbi } from '../../core/settlement/l1Abi.ts';
import { l1Clients } from '../lib/l1.ts';

export interface SettlementFigures {
  batches: number;
  l2Transactions: number;
  settled: boolean;
  waitedSeconds: number;
  steps: { kind: string; l1Transactions: number; gas: bigint; batches: number }[];
}

interface StatusJson {
  batches: { closed: number; open: unknown };
  settlement?: { l1?: { executed: number } | null; lastError?: string | null };
}

async function status(url: string): Promise<StatusJson> {
  return (await (await fetch(new URL('/status', url))).json()) as StatusJson;
}

export async function settlementFigures(
  l2Url: string,
  l1: { url: string; rollup: string; deployBlock: bigint },
  maxWaitMs: number,
): Promise<SettlementFigures> {
  const started = performance.now();
  let s = await status(l2Url);
  while ((s.batches.open || (s.settlement?.l1?.executed ?? -1) < s.batches.closed) && performance.now() - started < maxWaitMs) {
    await new Promise((r) => setTimeout(r, 500));
    s = await status(l2Url);
  }
  const settled = !s.batches.open && (s.settlement?.l1?.executed ?? -1) >= s.batches.closed;
  const { publicClient } = await l1Clients(l1.url);
  const head = await publicClient.getBlockNumber();
  const steps = new Map<string, { kind: string; l1Transactions: number; gas: bigint; batches: number }>();
  let l2Transactions = 0;
  let committedBatches = 0;
  for (let n = l1.deployBlock; n <= head; n++) {
    const block = await publicClient.getBlock({ blockNumber: n, includeTransactions: true });
    for (const tx of block.transactions) {
      if (tx.to?.toLowerCase() !== l1.rollup.toLowerCase()) continue;
      let call: ReturnType<typeof decodeFunctionData<typeof rollupAbi>>;
      try {
        call = decodeFunctionData({ abi: rollupAbi, data: tx.input });
      } catch {
        continue;
      }
      if (!['commitBatches', 'proveBatches', 'executeBatches'].includes(call.functionName)) continue;
      const receipt = await publicClient.getTransactionReceipt({ hash: tx.hash });
      if (receipt.status !== 'success') continue;
      const args = call.args as unknown as unknown[];
      const batches = (call.functionName === 'commitBatches' ? args[1] : args[0]) as unknown[];
      if (call.functionName === 'commitBatches') {
        committedBatches += batches.length;
        for (const data of args[2] as Hex[]) l2Transactions += decodeBatchData(hexToBytes(data)).reduce((k, b) => k + b.transactions.length, 0);
      }
      const step = steps.get(call.functionName) ?? { kind: call.functionName, l1Transactions: 0, gas: 0n, batches: 0 };
      step.l1Transactions++;
      step.gas += receipt.gasUsed;
      step.batches += batches.length;
      steps.set(call.functionName, step);
    }
  }
  return { batches: committedBatches, l2Transactions, settled, waitedSeconds: (performance.now() - started) / 1000, steps: [...steps.values()] };
}

export function renderSettlement(f: SettlementFigures): string {
  const lines = [
    `L1 settlement (the chain's own anvil): ${f.batches} batches, ${f.l2Transactions} L2 transactions${f.settled ? '' : ' (NOT all executed on L1 in time)'}`,
    '',
    '| step | L1 txs | batches | L1 gas | gas per batch | gas per L2 tx |',
    '|---|---|---|---|---|---|',
  ];
  let total = 0n;
  for (const s of f.steps) {
    total += s.gas;
    const perTx = f.l2Transactions ? (Number(s.gas) / f.l2Transactions).toFixed(0) : '-';
    lines.push(`| ${s.kind} | ${s.l1Transactions} | ${s.batches} | ${s.gas} | ${s.batches ? (Number(s.gas) / s.batches).toFixed(0) : '-'} | ${perTx} |`);
  }
  const perTx = f.l2Transactions ? (Number(total) / f.l2Transactions).toFixed(0) : '-';
  lines.push(`| total | | | ${total} | ${f.batches ? (Number(total) / f.batches).toFixed(0) : '-'} | ${perTx} |`);
  return lines.join('\n');
}
