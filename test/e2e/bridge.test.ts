/**
 * The bridge end to end, with viem, against the locally started chain and anvil as its L1:
 * deposit 1 ETH on L1 and see it on L2; transfer on L2; withdraw 0.5 ETH on L2; the batch holding
 * the withdrawal is committed, proven and executed on L1 by the settlement cron with no manual
 * step; scripts/claim-withdrawal.ts pays the recipient on L1, and a second claim is refused.
 * `safe` and `finalized` follow the rollup contract's committed and executed batches.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createWalletClient, encodeFunctionData, type Hex, http, parseAbi, parseAbiItem, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, inject, it } from 'vitest';
import { L2_WITHDRAWALS_ADDRESS } from '../../core/bridge/withdrawals.ts';
import { bridgeAbi, rollupAbi } from '../../core/settlement/l1Abi.ts';
import { l1Clients } from '../../scripts/lib/l1.ts';
import { projectRoot } from '../../scripts/lib/process.ts';
import { rpc } from '../../scripts/lib/rpc.ts';
import { devPrivateKey, freshAddress, rpcUrl, viemClients, waitReceipt } from './helpers.ts';

const run = promisify(execFile);
const withdrawAbi = parseAbi(['function withdraw(address l1Recipient) payable returns (uint256)']);
/** anvil's account 2 deposits on L1; account 3 pays for claims (account 0 deployed, 8 operates). */
const L1_DEPOSITOR = devPrivateKey(2);
const L1_CLAIMER = devPrivateKey(3);

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const l1 = inject('l1');

describe.skipIf(!l1)('bridge: deposit, withdraw, settle on L1, claim', () => {
  it('moves ETH from L1 to L2 and back, through committed, proven and executed batches', async () => {
    if (!l1) return;
    const { publicClient: l1Public, wallet: l1Wallet } = await l1Clients(l1.url);
    const bridge = l1.bridge as Hex;
    const rollup = l1.rollup as Hex;
    const { publicClient, chain } = await viemClients();
    const user = privateKeyToAccount(generatePrivateKey());
    const l1Recipient = freshAddress();

    // 1. Deposit 1 ETH on L1 for a fresh L2 account; the cron hands it to the sequencer once its L1 block is final.
    const depositHash = await l1Wallet(L1_DEPOSITOR).writeContract({
      address: bridge,
      abi: bridgeAbi,
      functionName: 'deposit',
      args: [user.address],
      value: parseEther('1'),
    });
    expect((await l1Public.waitForTransactionReceipt({ hash: depositHash })).status).toBe('success');
    await until('the deposit on L2', 60_000, async () => ((await publicClient.getBalance({ address: user.address })) === parseEther('1') ? true : undefined));

    // 2. Transfer on L2 from the deposited funds.
    const userWallet = createWalletClient({ chain, transport: http(rpcUrl()), account: user, pollingInterval: 100 });
    const transfer = await userWallet.sendTransaction({ to: freshAddress(), value: parseEther('0.1') });
    expect((await waitReceipt(publicClient, transfer)).status).toBe('success');

    // 3. Withdraw 0.5 ETH through the system contract.
    const withdrawal = await userWallet.sendTransaction({
      to: L2_WITHDRAWALS_ADDRESS,
      value: parseEther('0.5'),
      data: encodeFunctionData({ abi: withdrawAbi, functionName: 'withdraw', args: [l1Recipient] }),
    });
    const receipt = await waitReceipt(publicClient, withdrawal);
    expect(receipt.status).toBe('success');
    expect(receipt.logs.some((l) => l.address.toLowerCase() === L2_WITHDRAWALS_ADDRESS)).toBe(true);

    // 4. The settlement cron commits, proves and executes the batch holding it: no manual step.
    const proof = await until('the withdrawal batch to be executed on L1', 120_000, async () => {
      const p = await rpc<{ status: string; batchNumber: Hex } | null>(rpcUrl(), 'rollup_getWithdrawalProof', [withdrawal]).catch(() => null);
      return p?.status === 'executed' ? p : undefined;
    });
    const batch = BigInt(proof.batchNumber);
    expect((await l1Public.readContract({ address: rollup, abi: rollupAbi, functionName: 'executedBatches' })) >= batch).toBe(true);

    // 5. safe and finalized follow L1: finalized covers the withdrawal's block, safe is not behind it.
    const finalized = await publicClient.getBlock({ blockTag: 'finalized' });
    const safe = await publicClient.getBlock({ blockTag: 'safe' });
    expect(finalized.number >= receipt.blockNumber).toBe(true);
    expect(safe.number >= finalized.number).toBe(true);

    // 6. The claim script pays the recipient on L1; a second claim is refused.
    const claim = () =>
      run(process.execPath, [
        join(projectRoot, 'scripts', 'claim-withdrawal.ts'),
        '--tx',
        withdrawal,
        '--l2-rpc',
        rpcUrl(),
        '--l1-rpc',
        l1.url,
        '--bridge',
        bridge,
        '--key',
        L1_CLAIMER,
      ]);
    const first = await claim();
    expect(first.stdout).toMatch(/0\.5 ETH paid to/);
    expect(await l1Public.getBalance({ address: l1Recipient })).toBe(parseEther('0.5'));
    const second = await claim().then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/WithdrawalAlreadyFinalized/);
    expect(await l1Public.getBalance({ address: l1Recipient })).toBe(parseEther('0.5'));
  });

  it('safe and finalized are the last blocks of the committed and executed batches on L1', async () => {
    if (!l1) return;
    const { publicClient: l1Public } = await l1Clients(l1.url);
    const { publicClient } = await viemClients();
    const committedLogs = await l1Public.getLogs({
      address: l1.rollup as Hex,
      event: parseAbiItem('event BatchCommitted(uint256 indexed batchNumber, bytes32 batchHash, uint64 lastBlock)'),
      fromBlock: 0n,
    });
    const lastBlockOf = (batch: number) => (batch === 0 ? 0n : BigInt(committedLogs.find((l) => l.args.batchNumber === BigInt(batch))?.args.lastBlock ?? -1n));
    const view = async () =>
      ((await (await fetch(new URL('/status', rpcUrl()))).json()) as { batches: { l1: { committed: number; executed: number } } }).batches.l1;
    // The tags and the sequencer's view of L1 are read between two identical views (a settlement run may move them).
    for (let attempt = 0; ; attempt++) {
      const before = await view();
      const [safe, finalized] = await Promise.all([publicClient.getBlock({ blockTag: 'safe' }), publicClient.getBlock({ blockTag: 'finalized' })]);
      const after = await view();
      if (JSON.stringify(before) !== JSON.stringify(after) && attempt < 10) continue;
      expect(before.executed).toBeGreaterThan(0);
      expect(BigInt(before.executed) <= (await l1Public.readContract({ address: l1.rollup as Hex, abi: rollupAbi, functionName: 'executedBatches' }))).toBe(
        true,
      );
      expect(finalized.number).toBe(lastBlockOf(before.executed));
      expect(safe.number).toBe(lastBlockOf(before.committed));
      break;
    }
  });
});
