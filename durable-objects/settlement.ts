import { DurableObject } from 'cloudflare:workers';
import { parseChainConfig } from '../core/chain/config.ts';
import type { Hex } from '../core/chain/hex.ts';
import type { StoredBlockProof } from '../core/proving/aggregate.ts';
import { ProvingReconciler, type ReconcileReport, type ReconcilerPorts, type SealedBlockInfo } from '../core/proving/reconcile.ts';
import { type ChainPort, type ProofSource, type RunReport, Settler } from '../core/settlement/settler.ts';
import { indexMigrations } from '../migrations/index.ts';
import { type Env, l1Sequencer } from '../workers/env.ts';
import { migrate } from '../workers/index-db/migrate.ts';
import { provingQueue } from '../workers/prover/queue.ts';
import { settlementConfig } from '../workers/settlement/config.ts';
import { viemL1Client } from '../workers/settlement/viemL1Client.ts';
import { doSql } from './doSql.ts';

function chainPort(env: Env): ChainPort {
  const seq = l1Sequencer(env);
  return {
    closeDueBatch: () => seq.closeDueBatch(),
    batches: (from, limit) => seq.batches(from, limit) as never,
    batchWithdrawals: (batch) => seq.batchWithdrawals(batch) as never,
    addPriorityOps: async (ops) => {
      const r = await seq.addPriorityOps(ops);
      if ('error' in r) throw new Error(`the sequencer refused deposits: ${r.error.message}`);
    },
    setL1Progress: (p) => seq.setL1Progress(p),
  };
}

/** Block proofs from the D1 index, where the queue consumers write them. */
function d1Proofs(db: D1Database): ProofSource {
  return {
    async blockProofs(first, last) {
      const { results } = await db
        .prepare(`SELECT block, statement, signature FROM block_proofs WHERE block BETWEEN ? AND ?`)
        .bind(first, last)
        .all<{ block: number; statement: string; signature: Hex }>();
      const out = new Map<number, StoredBlockProof>();
      for (const r of results) {
        const s = JSON.parse(r.statement);
        out.set(r.block, {
          signature: r.signature,
          statement: { ...s, chainId: BigInt(s.chainId), blockNumber: BigInt(s.blockNumber), priorityOpsCount: BigInt(s.priorityOpsCount ?? 0) },
        });
      }
      return out;
    },
  };
}

/** The proving reconciler's ports: the sequencer, D1's proofs, R2's blobs, the queue (core/proving/reconcile.ts). */
export function reconcilerPorts(env: Env): ReconcilerPorts {
  const seq = l1Sequencer(env);
  return {
    sealed: {
      head: async () => Number(await seq.headNumber()),
      blocks: (numbers) => seq.provingBlocks(numbers) as Promise<SealedBlockInfo[]>,
    },
    proofs: {
      async proven(from, to) {
        await migrate(env.INDEX_DB, indexMigrations);
        const { results } = await env.INDEX_DB.prepare(`SELECT block FROM block_proofs WHERE block BETWEEN ? AND ?`).bind(from, to).all<{ block: number }>();
        return new Set(results.map((r) => r.block));
      },
    },
    traces: {
      traceHash: async (key) => ((await env.TRACES.head(key))?.customMetadata?.traceHash as Hex | undefined) ?? null,
    },
    queue: provingQueue(env),
  };
}

export const PROVING_RETRY_AFTER_MS = 120_000;

/**
 * The settlement worker's home: one instance, its own SQLite (checkpoints, L1 transactions, the
 * lease). The cron calls `run`; overlapping calls share the run in progress, and the SQL lease
 * keeps any second runner from sending.
 */
export class Settlement extends DurableObject<Env> {
  private current: Promise<RunReport> | undefined;
  private reconciling: Promise<ReconcileReport> | undefined;

  private settler(): Settler | { refused: string } | null {
    const config = settlementConfig(this.env);
    if (!config || 'refused' in config) return config;
    return new Settler(doSql(this.ctx.storage), config, chainPort(this.env), d1Proofs(this.env.INDEX_DB), viemL1Client(config.l1RpcUrl));
  }

  async run(): Promise<RunReport> {
    const settler = this.settler();
    if (!settler) return { skipped: 'settlement disabled: L1_RPC_URL, ROLLUP_ADDRESS and BRIDGE_ADDRESS are not set', deposits: 0, sent: [], replaced: [] };
    if ('refused' in settler) return { skipped: settler.refused, error: settler.refused, deposits: 0, sent: [], replaced: [] };
    this.current ??= settler.run().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  private reconciler(): ProvingReconciler {
    const retryAfterMs = Number(this.env.PROVING_RETRY_AFTER_MS ?? PROVING_RETRY_AFTER_MS);
    return new ProvingReconciler(doSql(this.ctx.storage), { chainId: parseChainConfig(this.env).chainId, retryAfterMs }, reconcilerPorts(this.env));
  }

  /**
   * Sends again the proving jobs of blocks still without a proof past PROVING_RETRY_AFTER_MS (the
   * cron calls it every run, with or without an L1: proofs are the chain's own business).
   */
  async reconcileProving(): Promise<ReconcileReport> {
    this.reconciling ??= this.reconciler()
      .run(Date.now())
      .finally(() => {
        this.reconciling = undefined;
      });
    return this.reconciling;
  }

  status() {
    const settler = this.settler();
    const proving = this.reconciler().status();
    if (!settler) return { enabled: false, proving };
    if ('refused' in settler) return { enabled: true, refused: settler.refused, proving };
    return { enabled: true, ...settler.status(), proving };
  }

  minedTransactions() {
    const settler = this.settler();
    return settler && !('refused' in settler) ? settler.minedTransactions() : [];
  }
}
