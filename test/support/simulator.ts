import type { SequencerCore } from '../../core/sequencer/sequencer.ts';
import { unindexedBlocks } from '../../core/sequencer/unindexed.ts';
import type { IndexedState } from '../../core/simulation/chainView.ts';
import { type CallLimits, DEFAULT_CALL_LIMITS } from '../../core/simulation/limits.ts';
import { SimulatorCore } from '../../core/simulation/simulator.ts';

/**
 * The simulator over a real sequencer core whose outbox is never flushed: the D1 index holds
 * nothing (floor -1), so every block reaches the simulator through the feed. The index port is
 * never consulted in that state; it throws so that a test would see it if it were.
 */
export function simulatorOver(seq: SequencerCore, limits: Partial<CallLimits> = {}, onFeed: (after: number) => void = () => {}): SimulatorCore {
  const feed = {
    unindexed: async (after: number, limit: number) => {
      onFeed(after);
      return unindexedBlocks(seq, after, limit);
    },
  };
  const noIndex: IndexedState = {
    account: () => Promise.reject(new Error('index read')),
    storage: () => Promise.reject(new Error('index read')),
    code: () => Promise.reject(new Error('index read')),
    header: () => Promise.reject(new Error('index read')),
  };
  return new SimulatorCore(seq.config, { ...DEFAULT_CALL_LIMITS, ...limits }, feed, noIndex);
}
