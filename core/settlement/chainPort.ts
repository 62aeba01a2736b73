import { bytesToHex } from '../chain/hex.ts';
import type { SequencerCore } from '../sequencer/sequencer.ts';
import type { ChainPort } from './settler.ts';

/**
 * The settlement's view of a sequencer core in the same process: what the Sequencer Durable Object
 * serves over RPC (durable-objects/sequencer.ts), and what tests hand the Settler directly.
 */
export function coreChainPort(core: SequencerCore, now: () => number): ChainPort {
  return {
    async closeDueBatch() {
      core.batcher.closeIfDue(now());
      return core.batcher.lastBatchNumber();
    },
    async batches(from, limit) {
      const out = [];
      for (let n = from; n < from + limit; n++) {
        const b = core.batcher.batch(n);
        if (!b) break;
        out.push({ commitment: b.commitment, hash: b.hash, data: bytesToHex(b.data) });
      }
      return out;
    },
    async batchWithdrawals(batch) {
      const b = core.batcher.batch(batch);
      if (!b) return null;
      return core.batcher
        .withdrawals(Number(b.commitment.firstBlock), Number(b.commitment.lastBlock))
        .map(({ id, l2Sender, l1Recipient, amount, block }) => ({ id, l2Sender, l1Recipient, amount, block }));
    },
    async addPriorityOps(ops) {
      core.addPriorityOps(ops);
    },
    async setL1Progress(p) {
      core.setL1Progress(p);
    },
  };
}
