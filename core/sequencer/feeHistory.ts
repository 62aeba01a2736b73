import { type Hex, toQuantity } from '../chain/hex.ts';
import { InvalidParamsError } from '../errors.ts';
import type { SequencerCore } from './sequencer.ts';

export const MAX_FEE_HISTORY_BLOCKS = 1024;

export interface FeeHistory {
  oldestBlock: Hex;
  baseFeePerGas: Hex[];
  gasUsedRatio: number[];
  baseFeePerBlobGas: Hex[];
  blobGasUsedRatio: number[];
  reward?: Hex[][];
}

/** eth_feeHistory over sealed blocks: base fees (plus the next block's), usage, tip percentiles. */
export function feeHistory(core: SequencerCore, blockCount: number, newest: bigint, percentiles: number[]): FeeHistory {
  if (blockCount < 1) return { oldestBlock: '0x0', baseFeePerGas: [], gasUsedRatio: [], baseFeePerBlobGas: [], blobGasUsedRatio: [] };
  const count = BigInt(Math.min(blockCount, MAX_FEE_HISTORY_BLOCKS));
  for (let i = 0; i < percentiles.length; i++) {
    const p = percentiles[i];
    if (!(p >= 0 && p <= 100) || (i > 0 && p < percentiles[i - 1]))
      throw new InvalidParamsError('invalid reward percentiles: want increasing values in [0, 100]');
  }
  const last = newest > core.headNumber ? core.headNumber : newest;
  const first = last - count + 1n < 0n ? 0n : last - count + 1n;
  const baseFees: Hex[] = [];
  const ratios: number[] = [];
  const rewards: Hex[][] = [];
  for (let n = first; n <= last; n++) {
    const block = core.block(n, false);
    if (!block) break;
    const baseFee = BigInt(block.baseFeePerGas);
    baseFees.push(block.baseFeePerGas);
    ratios.push(Number(BigInt(block.gasUsed)) / Number(BigInt(block.gasLimit)));
    if (percentiles.length > 0) {
      const tips = (core.blockReceipts(n) ?? [])
        .map((r) => ({ tip: BigInt(r.effectiveGasPrice) - baseFee, gas: BigInt(r.gasUsed) }))
        .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
      const total = tips.reduce((s, t) => s + t.gas, 0n);
      rewards.push(
        percentiles.map((p) => {
          if (tips.length === 0) return '0x0';
          const threshold = (total * BigInt(Math.round(p * 100))) / 10_000n;
          let sum = 0n;
          for (const t of tips) {
            sum += t.gas;
            if (sum >= threshold) return toQuantity(t.tip);
          }
          return toQuantity(tips[tips.length - 1].tip);
        }),
      );
    }
  }
  baseFees.push(toQuantity(last === core.headNumber ? core.nextBaseFee() : BigInt(core.block(last + 1n, false)?.baseFeePerGas ?? '0x0')));
  const out: FeeHistory = {
    oldestBlock: toQuantity(first),
    baseFeePerGas: baseFees,
    gasUsedRatio: ratios,
    baseFeePerBlobGas: baseFees.map(() => '0x0'),
    blobGasUsedRatio: ratios.map(() => 0),
  };
  if (percentiles.length > 0) out.reward = rewards;
  return out;
}
