import type { VM } from '@ethereumjs/vm';

/**
 * How much more CPU per gas each precompile (0x01..0x11, Prague) costs the chain's EVM than
 * sealing plain transfers does, rounded up from `node scripts/bench/precompiles.ts` (decision
 * 0011): EthereumJS runs them in JavaScript, priced by L1 gas for native code, so a block full of
 * point evaluations or BLS12-381 additions would take tens of seconds of the sequencer's CPU.
 */
export const PRECOMPILE_WEIGHTS: readonly number[] = [
  0, // (no precompile at 0x00)
  25, // 0x01 ecrecover
  5, // 0x02 sha256
  5, // 0x03 ripemd160
  5, // 0x04 identity
  5, // 0x05 modexp
  12, // 0x06 bn254 add
  20, // 0x07 bn254 mul
  10, // 0x08 bn254 pairing
  15, // 0x09 blake2f
  30, // 0x0a point evaluation
  240, // 0x0b bls12 g1add
  15, // 0x0c bls12 g1msm
  240, // 0x0d bls12 g2add
  35, // 0x0e bls12 g2msm
  10, // 0x0f bls12 pairing
  20, // 0x10 bls12 map fp to g1
  12, // 0x11 bls12 map fp2 to g2
];

/** The precompile a message calls (1..0x11), or 0. */
function precompileOf(to: { bytes: Uint8Array } | undefined): number {
  if (!to) return 0;
  const b = to.bytes;
  for (let i = 0; i < 19; i++) if (b[i] !== 0) return 0;
  return b[19] < PRECOMPILE_WEIGHTS.length ? b[19] : 0;
}

export class ComputeBudgetExceeded extends Error {
  constructor(limit: bigint) {
    super(`exceeds the block's compute budget: more than ${limit} weighted gas (precompile gas counts ${PRECOMPILE_WEIGHTS.join('/')} times per 0x00..0x11)`);
  }
}

/**
 * A block's compute budget, in "weighted gas": a transaction weighs the gas it used plus, for
 * every precompile call, its gas times (weight - 1). The sequencer fills a block up to
 * `limit` weighted gas, so a block of heavy precompile calls takes about the CPU of a block of
 * transfers. A transaction is stopped as soon as its precompile calls alone pass what the block
 * has left (the rest of its work is never done) and is deferred to a later block; one that alone
 * weighs more than a whole block is dropped. Only block building uses it: the prover re-executes
 * the included transactions without it.
 */
export class ComputeMeter {
  private readonly attached = new WeakSet<object>();
  private readonly calls: number[] = [];
  private allowance = 0n;
  /** Weight the current transaction's precompile calls add to its gas. */
  extra = 0n;

  readonly limit: bigint;
  constructor(limit: bigint) {
    this.limit = limit;
  }

  /** Listens to the EVM's messages (once per VM). */
  attach(vm: VM): void {
    if (this.attached.has(vm)) return;
    this.attached.add(vm);
    const events = (vm.evm as unknown as { events: { on(topic: string, fn: (data: never) => void): void } }).events;
    events.on('beforeMessage', (message: { to?: { bytes: Uint8Array } }) => {
      this.calls.push(precompileOf(message.to));
    });
    events.on('afterMessage', (result: { execResult: { executionGasUsed: bigint } }) => {
      const p = this.calls.pop() ?? 0;
      if (p === 0) return;
      this.extra += BigInt(PRECOMPILE_WEIGHTS[p] - 1) * result.execResult.executionGasUsed;
      if (this.extra > this.allowance) throw new ComputeBudgetExceeded(this.limit);
    });
  }

  /** Before each transaction: what the block has left for its precompile work. */
  startTx(left: bigint): void {
    this.calls.length = 0;
    this.extra = 0n;
    this.allowance = left;
  }
}
