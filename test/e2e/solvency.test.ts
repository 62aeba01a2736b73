/**
 * Bridge solvency on a chain configured as `wrangler deploy` gets it: no DEV_CHAIN, so an empty
 * genesis, and its own fresh PROVER_KEY, OPERATOR_KEY and TRUSTED_PROVERS (registered in the L1
 * verifier of its own anvil). L2 ETH comes only from L1 deposits. Across deposits, transfers,
 * withdrawals, settlement on L1 and claims, at every stage:
 *
 *   bridge's L1 balance >= all L2 ETH in circulation + withdrawals not yet claimed on L1
 *
 * "All L2 ETH" is the balance of every address that ever appeared on the chain: deposit
 * recipients (every DepositInitiated log of the bridge), the sender and recipient of every
 * transaction of every block, every block's fee recipient, every predeployed contract (the
 * standard contracts of core/chain/standardContracts.ts), and the withdrawals system contract
 * (which holds withdrawn ETH forever: it is out of circulation). Why that set is complete: the
 * genesis holds no ETH (its state root is the root of the predeploys alone, each with a zero
 * balance, checked below); there is no block reward; a deposit credits its recipient; a transaction
 * moves ETH from its sender to its recipient and the priority fee to the block's fee recipient (the
 * base fee is burnt); and any other movement needs contract code, of which the chain has only the
 * predeploys, because the run creates no contract and delegates no EOA (checked for every
 * transaction), and it calls none of them but the withdrawals contract (no function of it sends
 * ETH). The test also checks conservation exactly: the set's balances plus the burnt base fees
 * equal the deposits, so no wei can sit outside the set.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  getAddress,
  type Hex,
  http,
  parseAbi,
  parseEther,
  parseEventLogs,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { L2_WITHDRAWALS_ADDRESS } from '../../core/bridge/withdrawals.ts';
import { parseChainConfig } from '../../core/chain/config.ts';
import { buildGenesis, predeploys } from '../../core/sequencer/genesis.ts';
import { bridgeAbi } from '../../core/settlement/l1Abi.ts';
import { l1Clients } from '../../scripts/lib/l1.ts';
import { type LocalChain, startChain } from '../../scripts/lib/localChain.ts';
import { type LocalL1, startLocalL1, workerVars } from '../../scripts/lib/localL1.ts';
import { projectRoot } from '../../scripts/lib/process.ts';
import { rpc } from '../../scripts/lib/rpc.ts';
import { devPrivateKey } from './helpers.ts';

const run = promisify(execFile);
const withdrawAbi = parseAbi([
  'function withdraw(address l1Recipient) payable returns (uint256)',
  'event WithdrawalInitiated(uint256 indexed id, address indexed l2Sender, address indexed l1Recipient, uint256 amount)',
]);
/** Batches close after 2 s and the cron fires every second, as in the shared e2e chain. */
const CHAIN_VARS = { BATCH_MAX_AGE_MS: '2000' };
/** anvil's accounts on this test's own L1: 0 deployed the contracts and funds the operator; 4 and 5 deposit; 6 claims. */
const L1_FUNDER = devPrivateKey(0);
const DEPOSITORS = [devPrivateKey(4), devPrivateKey(5)];
const L1_CLAIMER = devPrivateKey(6);

const proverKey = generatePrivateKey();
const operatorKey = generatePrivateKey();
const prover = privateKeyToAccount(proverKey).address;
const operator = privateKeyToAccount(operatorKey).address;

let l1: LocalL1 | undefined;
let chain: LocalChain | undefined;
const persistDir = mkdtempSync(join(tmpdir(), 'edge-rollup-solvency-'));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  l1 = await startLocalL1({ devChain: false, chainVars: CHAIN_VARS, operator, provers: [prover] });
  const { publicClient, wallet } = await l1Clients(l1.url);
  // The operator pays L1 gas: it gets L1 ETH like any operator would (this is L1 ETH, not L2's).
  await publicClient.waitForTransactionReceipt({ hash: await wallet(L1_FUNDER).sendTransaction({ to: operator, value: parseEther('10') }) });
  chain = await startChain({
    devChain: false,
    persistDir,
    cronIntervalMs: 1000,
    vars: { ...CHAIN_VARS, ...l1.vars, PROVER_KEY: proverKey, OPERATOR_KEY: operatorKey, TRUSTED_PROVERS: prover },
  });
}, 240_000);

afterAll(async () => {
  await chain?.stop();
  await l1?.stop();
  rmSync(persistDir, { recursive: true, force: true });
});

interface Ledger {
  block: bigint;
  circulating: bigint;
  withdrawnHeld: bigint;
  unclaimed: bigint;
  bridge: bigint;
  deposits: bigint;
  burnt: bigint;
}

describe('bridge solvency on a chain funded only by deposits', () => {
  it('the bridge covers all L2 ETH plus unclaimed withdrawals at every stage of deposits, transfers, withdrawals and claims', {
    timeout: 600_000,
  }, async () => {
    if (!l1 || !chain) throw new Error('not started');
    const url = chain.url;
    const bridge = l1.deployment.bridge;
    const { publicClient: l1Public, wallet: l1Wallet } = await l1Clients(l1.url);
    const l2Chain = defineChain({
      id: Number(await rpc<Hex>(url, 'eth_chainId')),
      name: 'solvency',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [url] } },
    });
    const l2 = createPublicClient({ chain: l2Chain, transport: http(url), pollingInterval: 100 });
    const wallet = (key: Hex) => createWalletClient({ chain: l2Chain, transport: http(url), account: privateKeyToAccount(key), pollingInterval: 100 });

    // The Worker runs as deployed: no dev opt-in, its own keys accepted, the trusted provers configured.
    const status = (await (await fetch(new URL('/status', url))).json()) as { deployment: unknown };
    expect(status.deployment).toEqual({
      devChain: false,
      prover: { ready: true, address: prover },
      settlement: { ready: true, operator, trustedProvers: [prover] },
    });
    // The genesis holds the predeployed system contracts and nothing else: its state root is theirs alone.
    const config = parseChainConfig(workerVars(CHAIN_VARS));
    const genesis = await buildGenesis(config);
    const predeployed = predeploys(config.chainId).map((p) => getAddress(p.address));
    expect([...genesis.diff.accounts.keys()].map((a) => getAddress(a)).sort()).toEqual([...predeployed].sort());
    expect([...genesis.diff.accounts.values()].every((a) => a?.balance === 0n)).toBe(true);
    expect((await l2.getBlock({ blockNumber: 0n })).stateRoot).toBe(genesis.header.stateRoot);

    const ledgers: Ledger[] = [];
    /** Reads both chains and checks the invariant; called only when no deposit is still on its way. */
    async function check(stage: string): Promise<Ledger> {
      const block = await l2.getBlockNumber();
      const seen = new Set<Address>([getAddress(L2_WITHDRAWALS_ADDRESS), ...predeployed]);
      let burnt = 0n;
      for (let n = 0n; n <= block; n++) {
        const b = await l2.getBlock({ blockNumber: n, includeTransactions: true });
        seen.add(getAddress(b.miner));
        burnt += b.gasUsed * (b.baseFeePerGas ?? 0n);
        for (const tx of b.transactions) {
          // No contract creation, no EIP-7702 delegation, and no call of a predeploy but the
          // withdrawals contract: no code runs that could move ETH outside the set.
          expect(tx.to, `${stage}: transaction ${tx.hash} creates a contract`).not.toBeNull();
          expect(tx.type, `${stage}: transaction ${tx.hash}`).not.toBe('eip7702');
          const callee = getAddress(tx.to as Address);
          expect(callee === getAddress(L2_WITHDRAWALS_ADDRESS) || !predeployed.includes(callee), `${stage}: transaction ${tx.hash} calls ${callee}`).toBe(true);
          seen.add(getAddress(tx.from));
          seen.add(getAddress(tx.to as Address));
        }
      }
      const depositLogs = parseEventLogs({
        abi: bridgeAbi,
        eventName: 'DepositInitiated',
        logs: await l1Public.getLogs({ address: bridge, fromBlock: l1?.deployment.deployBlock, toBlock: 'latest' }),
      });
      for (const d of depositLogs) seen.add(getAddress(d.args.l2Recipient));
      const deposits = depositLogs.reduce((s, d) => s + d.args.amount, 0n);

      const balances = await Promise.all([...seen].map((address) => l2.getBalance({ address, blockNumber: block })));
      const total = balances.reduce((s, b) => s + b, 0n);
      const withdrawnHeld = await l2.getBalance({ address: L2_WITHDRAWALS_ADDRESS, blockNumber: block });
      const withdrawals = parseEventLogs({
        abi: withdrawAbi,
        eventName: 'WithdrawalInitiated',
        logs: await l2.getLogs({ address: L2_WITHDRAWALS_ADDRESS, fromBlock: 0n, toBlock: block }),
      });
      const claimed = await Promise.all(
        withdrawals.map((w) => l1Public.readContract({ address: bridge, abi: bridgeAbi, functionName: 'isWithdrawalFinalized', args: [w.args.id] })),
      );
      const unclaimed = withdrawals.reduce((s, w, i) => (claimed[i] ? s : s + w.args.amount), 0n);
      const bridgeBalance = await l1Public.getBalance({ address: bridge });
      const ledger = { block, circulating: total - withdrawnHeld, withdrawnHeld, unclaimed, bridge: bridgeBalance, deposits, burnt };

      // Conservation: every wei deposited is in the set's balances or was burnt as base fee, so no
      // ETH sits outside the set (the genesis had none, and nothing else mints).
      expect(total + burnt, `${stage}: ${JSON.stringify(ledger, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`).toBe(deposits);
      // The withdrawals contract holds exactly what was withdrawn: out of circulation.
      expect(withdrawnHeld).toBe(withdrawals.reduce((s, w) => s + w.args.amount, 0n));
      // The invariant, and its slack: what base fees burnt on L2 stays in the bridge.
      expect(bridgeBalance >= ledger.circulating + unclaimed, `${stage}: the bridge holds ${bridgeBalance}, owes ${ledger.circulating + unclaimed}`).toBe(true);
      expect(bridgeBalance - (ledger.circulating + unclaimed)).toBe(burnt);
      ledgers.push(ledger);
      return ledger;
    }

    const users = [generatePrivateKey(), generatePrivateKey(), generatePrivateKey()];
    const [alice, bob, carol] = users.map((k) => privateKeyToAccount(k).address);
    const deposit = async (from: Hex, to: Address, value: bigint) => {
      const before = await l2.getBalance({ address: to });
      const hash = await l1Wallet(from).writeContract({ address: bridge, abi: bridgeAbi, functionName: 'deposit', args: [to], value });
      expect((await l1Public.waitForTransactionReceipt({ hash })).status).toBe('success');
      await until(`a deposit of ${value} to ${to}`, 90_000, async () => ((await l2.getBalance({ address: to })) === before + value ? true : undefined));
    };
    const send = async (key: Hex, to: Address, value: bigint, data?: Hex) => {
      const hash = await wallet(key).sendTransaction({ to, value, data });
      const receipt = await l2.waitForTransactionReceipt({ hash, pollingInterval: 100, timeout: 60_000 });
      expect(receipt.status).toBe('success');
      return hash;
    };
    const withdraw = (key: Hex, l1Recipient: Address, value: bigint) =>
      send(key, L2_WITHDRAWALS_ADDRESS, value, encodeFunctionData({ abi: withdrawAbi, functionName: 'withdraw', args: [l1Recipient] }));

    // 0. Before anything: nothing on L2, nothing in the bridge.
    expect(await check('genesis')).toMatchObject({ circulating: 0n, deposits: 0n, bridge: 0n });

    // 1. Deposits from two L1 accounts.
    await deposit(DEPOSITORS[0], alice, parseEther('2'));
    await deposit(DEPOSITORS[1], bob, parseEther('1'));
    expect((await check('after deposits')).circulating).toBe(parseEther('3'));

    // 2. Transfers among them and to a fresh address, fees paid in L2 ETH.
    const dave = privateKeyToAccount(generatePrivateKey()).address;
    await send(users[0], bob, parseEther('0.3'));
    await send(users[1], carol, parseEther('0.2'));
    await send(users[0], dave, parseEther('0.1'));
    await send(users[2], alice, parseEther('0.05'));
    await check('after transfers');

    // 3. Withdrawals to L1: burnt on L2, owed by the bridge until claimed.
    const [r1, r2] = [privateKeyToAccount(generatePrivateKey()).address, privateKeyToAccount(generatePrivateKey()).address];
    const w1 = await withdraw(users[0], r1, parseEther('0.5'));
    const w2 = await withdraw(users[1], r2, parseEther('0.4'));
    expect((await check('after withdrawals')).unclaimed).toBe(parseEther('0.9'));

    // 4. A deposit while the withdrawals settle; the settlement cron commits, proves and executes
    //    them on L1 with this chain's own operator and prover keys.
    await deposit(DEPOSITORS[0], carol, parseEther('0.7'));
    await check('after a deposit during settlement');
    for (const w of [w1, w2]) {
      await until('the withdrawal batch to be executed on L1', 240_000, async () => {
        const p = await rpc<{ status: string } | null>(url, 'rollup_getWithdrawalProof', [w]).catch(() => null);
        return p?.status === 'executed' ? true : undefined;
      });
    }
    await check('after settlement');

    // 5. Claims on L1, one at a time, checked after each.
    const claim = (tx: Hex) =>
      run(process.execPath, [
        join(projectRoot, 'scripts', 'claim-withdrawal.ts'),
        '--tx',
        tx,
        '--l2-rpc',
        url,
        '--l1-rpc',
        l1?.url ?? '',
        '--bridge',
        bridge,
        '--key',
        L1_CLAIMER,
      ]);
    await claim(w1);
    expect(await l1Public.getBalance({ address: r1 })).toBe(parseEther('0.5'));
    expect((await check('after the first claim')).unclaimed).toBe(parseEther('0.4'));
    await claim(w2);
    expect(await l1Public.getBalance({ address: r2 })).toBe(parseEther('0.4'));
    const end = await check('after both claims');
    expect(end.unclaimed).toBe(0n);
    expect(end.bridge).toBe(parseEther('3.7') - parseEther('0.9'));
    expect(ledgers.length).toBe(8);
    const eth = (v: bigint) => (Number(v) / 1e18).toFixed(6);
    console.log(
      `solvency ledgers (ETH): ${ledgers.map((l) => `block ${l.block}: bridge ${eth(l.bridge)} >= circulating ${eth(l.circulating)} + unclaimed ${eth(l.unclaimed)} (burnt ${eth(l.burnt)})`).join('; ')}`,
    );
  });
});
