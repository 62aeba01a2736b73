/** Command line and environment of `npm run bench`. */
import { DEFAULT_FUNDING_ETH } from './accounts.ts';
import { DEFAULT_ANVIL_ARGS, isLoopbackUrl, type TargetName } from './targets.ts';

export interface BenchOptions {
  help: boolean;
  targets: TargetName[];
  url?: string;
  transfers: number;
  /** Transfers of the unmeasured warm-up burst per target (0: none). */
  warmup: number;
  senders: number;
  clients: number;
  durationS: number;
  hostileReaders: number;
  /** WebSocket subscribers held open during an extra burst and closed loop of the chain (0: none). */
  subscribers: number;
  /** CPU priority of the subscribers' own process (they stand for clients on other machines). */
  subscriberPriority: 'idle' | number;
  repeat: number;
  json?: string;
  // environment
  seed: string;
  timeoutS: number;
  pollMs: number;
  /** Closed loop: one eth_sendRawTransactionSync round trip, or send then poll the receipt. */
  receipts: 'sync' | 'poll';
  fundEth: string;
  echo: boolean;
  keepData: boolean;
  freshAnvil: boolean;
  anvilArgs: string[];
}

export const HELP = `Usage: npm run bench -- [flags]     (or: node scripts/bench.ts [flags])

Benchmarks our chain against anvil in the same run: starts anvil (automine, its normal dev
mode; a fresh anvil for every phase, see BENCH_ANVIL_FRESH) and the chain (scripts/serve.ts:
Miniflare over workerd, fresh temporary persist dir, one instance for the whole run, settling
on its own L1: a second anvil with the rollup contracts), funds fresh sender accounts with
one transfer each from the dev mnemonic's accounts, runs a burst load and a closed-loop load
against each target in turn, and prints medians across repeats side by side with the ratio
chain/anvil, then the per-repeat numbers, the CPU time each process spent per burst transfer
(user + system time from /proc, Linux only), the proving figures and the L1 settlement cost (gas
per batch and per L2 transaction of commit, prove and execute, read from the L1 receipts). Every process started here is stopped at the end, on
failure and on Ctrl-C. Progress goes to stderr, the report to stdout.

Flags:
  --target chain|anvil|both   what to benchmark (default both)
  --url URL                   benchmark an already running loopback endpoint instead of starting
                              one: it stands for the chain with --target both or chain (anvil is
                              still started for the comparison), for anvil with --target anvil
  --transfers N               burst: transfers per repeat (default 1000)
  --warmup N                  one unmeasured burst of N transfers per target before the measured
                              repeats, so that neither the chain's JIT-compiled runtime nor the
                              benchmark client is measured cold (default 200; 0 for none)
  --senders C                 burst: sender accounts, each sends its share back to back (default 32)
  --clients C                 closed loop: concurrent clients, one account each (default 16)
  --duration S                closed loop: seconds per repeat (default 10)
  --hostile-readers N         after each closed loop, run it again while N clients each keep a
                              looping eth_call at the gas cap (50M) in flight; prints its p50/p99
                              beside the quiet one's (default 8, 0 skips the phase)
  --subscribers N             after each burst and closed loop of the chain, run both again while N
                              WebSocket clients each hold a newHeads subscription (every tenth also
                              a logs one); prints the delay from a block's seal to its arrival at
                              the subscribers (p50/p99) and the burst throughput and closed-loop
                              latency with and without them (default 1000, 0 skips the phase)
  --subscriber-priority P     CPU priority of the subscribers' own process: idle (the default:
                              Linux's SCHED_IDLE, they run on cores the chain leaves free, as
                              clients on other machines would) or a niceness 0..19 (0: as the
                              chain); their CPU is reported apart from the chain's
  --repeat R                  repeats of each load; medians are reported (default 3)
  --json FILE                 also write the results (config, per-repeat, medians, ratios) as JSON
  --help                      this text

Environment:
  BENCH_SEED        seed of the sender/client keys, keccak256("seed/role/index") (default edge-rollup-bench)
  BENCH_TIMEOUT_S   deadline of each phase (funding, one burst, one closed loop beyond its duration)
                    and of one transaction's receipt in the closed loop (default 120)
  BENCH_RECEIPTS    closed loop: sync (default) waits for each receipt with one
                    eth_sendRawTransactionSync call (EIP-7966; anvil and the chain both have it),
                    poll sends with eth_sendRawTransaction and polls eth_getTransactionReceipt
  BENCH_POLL_MS     receipt poll interval, the same for every target (default 5)
  BENCH_FUND_ETH    ETH sent to each sender/client account by the funding transfers (default ${DEFAULT_FUNDING_ETH})
  BENCH_ANVIL_FRESH=0  keep one anvil for the whole run; by default an anvil started here is
                    restarted (and its accounts funded again) before every burst and closed loop,
                    because anvil 1.7 mines slower as its chain grows (about 1 ms per block at
                    height 0, 10 ms at 6000; foundry-rs/foundry#15715), which would make results
                    depend on the order and number of phases
  BENCH_ANVIL_ARGS  extra arguments for the anvil started here (default "${DEFAULT_ANVIL_ARGS.join(' ')}",
                    which stops anvil 1.7 from leaving ~1.7 GB of per-block state snapshots in
                    ~/.foundry/anvil/tmp per run; automine is unchanged). Set to "" for none
  BENCH_ECHO=1      echo anvil's and the chain runtime's output
  BENCH_KEEP_DATA=1 keep the chain's temporary persist dir (its path is printed)

Burst: N EIP-1559 transfers (21000 gas, maxFeePerGas = 2 x latest base fee + 1 gwei) are signed
before the clock starts; throughput = N / (first send -> last receipt seen); acceptance = N /
(first send -> last eth_sendRawTransaction answer). All N receipts are checked (status 0x1)
after the clock stops. Closed loop: each client signs, sends, polls its receipt; latency is
send -> receipt; tx/s = receipts / elapsed.

Exit status: 0 when every requested target completed every load, 1 otherwise, 2 on bad usage.`;

export class UsageError extends Error {}

function positiveInt(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer, got ${String(v)}`);
  return n;
}

function positiveNumber(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} needs a positive number, got ${String(v)}`);
  return n;
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const o: BenchOptions = {
    help: false,
    targets: ['anvil', 'chain'],
    transfers: 1000,
    warmup: 200,
    senders: 32,
    clients: 16,
    durationS: 10,
    hostileReaders: 8,
    subscribers: 1000,
    subscriberPriority: 'idle',
    repeat: 3,
    seed: env.BENCH_SEED || 'edge-rollup-bench',
    timeoutS: env.BENCH_TIMEOUT_S ? positiveNumber('BENCH_TIMEOUT_S', env.BENCH_TIMEOUT_S) : 120,
    pollMs: env.BENCH_POLL_MS ? positiveNumber('BENCH_POLL_MS', env.BENCH_POLL_MS) : 5,
    receipts: receiptsMode(env.BENCH_RECEIPTS),
    fundEth: env.BENCH_FUND_ETH ? String(positiveNumber('BENCH_FUND_ETH', env.BENCH_FUND_ETH)) : DEFAULT_FUNDING_ETH,
    echo: env.BENCH_ECHO === '1',
    keepData: env.BENCH_KEEP_DATA === '1',
    freshAnvil: env.BENCH_ANVIL_FRESH !== '0',
    anvilArgs: env.BENCH_ANVIL_ARGS === undefined ? DEFAULT_ANVIL_ARGS : env.BENCH_ANVIL_ARGS.split(/\s+/).filter(Boolean),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => (arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    switch (flag) {
      case '--help':
      case '-h':
        o.help = true;
        break;
      case '--target': {
        const v = value();
        if (v === 'both') o.targets = ['anvil', 'chain'];
        else if (v === 'anvil' || v === 'chain') o.targets = [v];
        else throw new UsageError(`--target must be chain, anvil or both, got ${String(v)}`);
        break;
      }
      case '--url': {
        const v = value();
        if (!v || !isLoopbackUrl(v)) throw new UsageError(`--url must be an http URL on a loopback address (127.0.0.1, localhost, ::1), got ${String(v)}`);
        o.url = v;
        break;
      }
      case '--transfers':
        o.transfers = positiveInt(flag, value());
        break;
      case '--warmup': {
        const v = value();
        const n = Number(v);
        if (v === undefined || !Number.isInteger(n) || n < 0) throw new UsageError(`${flag} needs a whole number, got ${String(v)}`);
        o.warmup = n;
        break;
      }
      case '--senders':
        o.senders = positiveInt(flag, value());
        break;
      case '--clients':
        o.clients = positiveInt(flag, value());
        break;
      case '--duration':
        o.durationS = positiveNumber(flag, value());
        break;
      case '--hostile-readers': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new UsageError(`--hostile-readers needs an integer >= 0, got ${String(v)}`);
        o.hostileReaders = n;
        break;
      }
      case '--subscribers': {
        const v = value();
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new UsageError(`--subscribers needs an integer >= 0, got ${String(v)}`);
        o.subscribers = n;
        break;
      }
      case '--subscriber-priority': {
        const v = value();
        const n = Number(v);
        if (v === 'idle') o.subscriberPriority = 'idle';
        else if (v !== undefined && v !== '' && Number.isInteger(n) && n >= 0 && n <= 19) o.subscriberPriority = n;
        else throw new UsageError(`--subscriber-priority needs idle or a niceness 0..19, got ${String(v)}`);
        break;
      }
      case '--repeat':
        o.repeat = positiveInt(flag, value());
        break;
      case '--json': {
        const v = value();
        if (!v) throw new UsageError('--json needs a file name');
        o.json = v;
        break;
      }
      default:
        throw new UsageError(`unknown argument ${arg} (see --help)`);
    }
  }
  return o;
}

function receiptsMode(v: string | undefined): 'sync' | 'poll' {
  if (v === undefined || v === '' || v === 'sync') return 'sync';
  if (v === 'poll') return 'poll';
  throw new Error(`BENCH_RECEIPTS must be sync or poll, got ${v}`);
}
