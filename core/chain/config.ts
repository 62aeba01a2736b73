import { getAddress, isAddress } from 'viem';

/** Chain parameters, read once from the Worker's vars (or a test's overrides). */
export interface ChainConfig {
  chainId: bigint;
  blockGasLimit: bigint;
  genesisBaseFee: bigint;
  baseFeeFloor: bigint;
  feeRecipient: `0x${string}`;
  /** Upper bound on the time a pending transaction waits for its block under load. */
  blockTimeMs: number;
  /** Number of D1 state shards the outbox spreads account and storage changes over. */
  stateShards: number;
  genesisTimestamp: bigint;
  /** Prefunded accounts: address -> balance in wei. Empty unless DEV_CHAIN is on (see parseChainConfig). */
  genesisAlloc: Map<`0x${string}`, bigint>;
  /** A local development chain (DEV_CHAIN): the public development accounts and keys are allowed. */
  devChain: boolean;
  /** A batch closes once it holds this many blocks... */
  batchMaxBlocks: number;
  /** ...or this many bytes of (uncompressed) block data... */
  batchMaxBytes: number;
  /** ...or when its first block is this old. */
  batchMaxAgeMs: number;
  /** A pooled transaction that cannot run (a nonce gap, a max fee below the base fee) is dropped after this long. */
  txpoolLifetimeMs: number;
  /**
   * Admit legacy transactions without EIP-155 replay protection over RPC (geth's
   * --rpc.allow-unprotected-txs): on locally, so keyless deployments can be replayed; off by default.
   */
  allowUnprotectedTxs: boolean;
}

export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
export const DEV_ACCOUNT_BALANCE = 10_000n * 10n ** 18n;

/** The ten accounts anvil funds from the development mnemonic (m/44'/60'/0'/0/i). */
export const DEV_ACCOUNTS: readonly `0x${string}`[] = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
  '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65',
  '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
  '0x976EA74026E726554dB657fA54763abd0C3a0aa9',
  '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955',
  '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f',
  '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720',
];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type ChainVars = Partial<
  Record<
    | 'DEV_CHAIN'
    | 'CHAIN_ID'
    | 'BLOCK_GAS_LIMIT'
    | 'GENESIS_BASE_FEE'
    | 'BASE_FEE_FLOOR'
    | 'FEE_RECIPIENT'
    | 'BLOCK_TIME_MS'
    | 'STATE_SHARDS'
    | 'GENESIS_TIMESTAMP'
    | 'GENESIS_ACCOUNTS'
    | 'BATCH_MAX_BLOCKS'
    | 'BATCH_MAX_BYTES'
    | 'BATCH_MAX_AGE_MS'
    | 'TXPOOL_LIFETIME_MS'
    | 'ALLOW_UNPROTECTED_TXS',
    string
  >
>;

function bigintVar(vars: ChainVars, name: keyof ChainVars, fallback: bigint, min = 0n): bigint {
  const raw = vars[name];
  if (raw === undefined || raw === '') return fallback;
  let value: bigint;
  try {
    value = BigInt(raw);
  } catch {
    throw new ConfigError(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  }
  if (value < min) throw new ConfigError(`${name} must be at least ${min}, got ${raw}`);
  return value;
}

function booleanVar(vars: ChainVars, name: keyof ChainVars): boolean {
  const raw = vars[name];
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

/**
 * The local-development opt-in: `DEV_CHAIN=1` (or `true`). Only the local tooling sets it
 * (scripts/lib/localChain.ts, the workerd tests' bindings in vitest.config.ts, unit tests); never
 * wrangler.toml, and `npm run deploy:check` fails if it is there.
 */
export function isDevChain(vars: Pick<ChainVars, 'DEV_CHAIN'>): boolean {
  return vars.DEV_CHAIN === '1' || vars.DEV_CHAIN === 'true';
}

/** GENESIS_ACCOUNTS: comma-separated `address=weiBalance` entries. */
export function parseGenesisAccounts(raw: string): Map<`0x${string}`, bigint> {
  const alloc = new Map<`0x${string}`, bigint>();
  for (const entry of raw.split(',')) {
    const [address, balance] = entry.trim().split('=');
    if (!address || !isAddress(address, { strict: false }) || balance === undefined || !/^\d+$/.test(balance)) {
      throw new ConfigError(`GENESIS_ACCOUNTS entry must be address=wei, got ${JSON.stringify(entry)}`);
    }
    alloc.set(getAddress(address), BigInt(balance));
  }
  return alloc;
}

/**
 * Parses chain configuration from string vars. The genesis holds no ETH unless DEV_CHAIN is on: on
 * a deployed chain L2 ETH exists only through bridge deposits, so every wei is backed by the
 * bridge's L1 balance. With DEV_CHAIN the ten development accounts get 10,000 ETH each, or
 * GENESIS_ACCOUNTS (comma-separated `address=weiBalance`) replaces them; GENESIS_ACCOUNTS with a
 * balance is refused without DEV_CHAIN (unbacked ETH would be paid out of depositors' ETH).
 */
export function parseChainConfig(vars: ChainVars): ChainConfig {
  const feeRecipient = vars.FEE_RECIPIENT || '0x0000000000000000000000000000000000000000';
  if (!isAddress(feeRecipient, { strict: false })) throw new ConfigError(`FEE_RECIPIENT is not an address: ${feeRecipient}`);
  const devChain = isDevChain(vars);
  let genesisAlloc = new Map<`0x${string}`, bigint>();
  if (vars.GENESIS_ACCOUNTS) {
    genesisAlloc = parseGenesisAccounts(vars.GENESIS_ACCOUNTS);
    if (!devChain && [...genesisAlloc.values()].some((b) => b > 0n)) {
      throw new ConfigError('GENESIS_ACCOUNTS funds accounts, which only a local development chain may do (DEV_CHAIN): that ETH has no deposit behind it');
    }
  } else if (devChain) {
    for (const a of DEV_ACCOUNTS) genesisAlloc.set(a, DEV_ACCOUNT_BALANCE);
  }
  const baseFeeFloor = bigintVar(vars, 'BASE_FEE_FLOOR', 10_000_000n);
  const config: ChainConfig = {
    chainId: bigintVar(vars, 'CHAIN_ID', 31337n, 1n),
    blockGasLimit: bigintVar(vars, 'BLOCK_GAS_LIMIT', 30_000_000n, 5000n),
    genesisBaseFee: bigintVar(vars, 'GENESIS_BASE_FEE', 1_000_000_000n, 1n),
    baseFeeFloor,
    feeRecipient: getAddress(feeRecipient),
    blockTimeMs: Number(bigintVar(vars, 'BLOCK_TIME_MS', 100n, 1n)),
    stateShards: Number(bigintVar(vars, 'STATE_SHARDS', 2n, 1n)),
    genesisTimestamp: bigintVar(vars, 'GENESIS_TIMESTAMP', 0n),
    genesisAlloc,
    devChain,
    batchMaxBlocks: Number(bigintVar(vars, 'BATCH_MAX_BLOCKS', 100n, 1n)),
    batchMaxBytes: Number(bigintVar(vars, 'BATCH_MAX_BYTES', 120_000n, 1000n)),
    batchMaxAgeMs: Number(bigintVar(vars, 'BATCH_MAX_AGE_MS', 60_000n, 100n)),
    // Geth keeps such transactions three hours.
    txpoolLifetimeMs: Number(bigintVar(vars, 'TXPOOL_LIFETIME_MS', 3n * 60n * 60n * 1000n, 1n)),
    allowUnprotectedTxs: booleanVar(vars, 'ALLOW_UNPROTECTED_TXS'),
  };
  if (config.batchMaxBytes > 1_000_000) throw new ConfigError('BATCH_MAX_BYTES must be at most 1000000 (L1 calldata and row limits)');
  if (config.genesisBaseFee < baseFeeFloor) throw new ConfigError('GENESIS_BASE_FEE must not be below BASE_FEE_FLOOR');
  return config;
}
