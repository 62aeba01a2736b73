/**
 * The bridge end to end, with viem, against the locally started chain and anvil as its L1:
 * deposit 1 ETH on L1 and see it on L2; transfer on L2; withdraw 0.5 ETH on L2; the batch holding
 * the withdrawal is committed, proven and executed on L1 by the settlement cron with no manual
 * step; the deposit is an L2 transaction (type 0x7d) that rollup_getDeposit finds and viem and
 * ethers read with its receipt and block; scripts/claim-withdrawal.ts pays the recipient on L1, and a second claim is refused.
 * `safe` and `finalized` follow the rollup contract's committed and executed batches.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JsonRpcProvider, Network } from 'ethers';
import {
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  type Hex,
  http,
  parseAbi,
  parseAbiItem,
  parseEther,
  parseEventLogs,
  webSocket,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, inject, it } from 'vitest';
import { DEPOSIT_EVENT_TOPIC, DEPOSIT_TX_TYPE, depositTxHash, encodeDepositTx } from '../../core/bridge/depositTx.ts';
import { L2_WITHDRAWALS_ADDRESS } from '../../core/bridge/withdrawals.ts';
import { bytesToHex } from '../../core/chain/hex.ts';
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

    // An indexer watching deposits over the WebSocket (the subscription hubs' logs feed).
    const publicWs = createPublicClient({ chain, transport: webSocket(rpcUrl().replace(/^http/, 'ws'), { retryCount: 0 }) });
    const watched: { transactionHash: Hex | null; args: { l2Recipient?: Hex; amount?: bigint } }[] = [];
    const unwatch = publicWs.watchEvent({
      address: L2_WITHDRAWALS_ADDRESS,
      event: parseAbiItem('event DepositFinalized(uint256 indexed index, address indexed l1Sender, address indexed l2Recipient, uint256 amount)'),
      args: { l2Recipient: user.address },
      onLogs: (logs) => watched.push(...logs),
    });
    await new Promise((r) => setTimeout(r, 300));

    // 1. Deposit 1 ETH on L1 for a fresh L2 account; the cron hands it to the sequencer once its L1 block is final.
    const depositHash = await l1Wallet(L1_DEPOSITOR).writeContract({
      address: bridge,
      abi: bridgeAbi,
      functionName: 'deposit',
      args: [user.address],
      value: parseEther('1'),
    });
    const l1Receipt = await l1Public.waitForTransactionReceipt({ hash: depositHash });
    expect(l1Receipt.status).toBe('success');
    const [initiated] = parseEventLogs({ abi: bridgeAbi, logs: l1Receipt.logs, eventName: 'DepositInitiated' });
    await until('the deposit on L2', 60_000, async () => ((await publicClient.getBalance({ address: user.address })) === parseEther('1') ? true : undefined));

    // 1b. The deposit is an L2 transaction: rollup_getDeposit finds it by its L1 transaction hash and by its index.
    type Deposit = {
      status: string;
      index: Hex;
      l1Sender: Hex;
      l2Recipient: Hex;
      amount: Hex;
      l1TxHash: Hex;
      transactionHash: Hex;
      blockNumber: Hex;
      blockHash: Hex;
    };
    const byL1Hash = await until('the deposit to be credited', 30_000, async () => {
      const d = await rpc<Deposit>(rpcUrl(), 'rollup_getDeposit', [depositHash]);
      return d.status === 'credited' ? d : undefined;
    });
    const op = { index: initiated.args.index, l1Sender: initiated.args.l1Sender, l2Recipient: initiated.args.l2Recipient, amount: parseEther('1') };
    const l2Hash = depositTxHash(op);
    expect(byL1Hash).toEqual({
      status: 'credited',
      index: `0x${op.index.toString(16)}`,
      l1Sender: op.l1Sender.toLowerCase(),
      l2Recipient: user.address.toLowerCase(),
      amount: `0x${parseEther('1').toString(16)}`,
      l1TxHash: depositHash,
      transactionHash: l2Hash,
      blockNumber: expect.stringMatching(/^0x[1-9a-f]/),
      blockHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });
    expect(await rpc(rpcUrl(), 'rollup_getDeposit', [`0x${op.index.toString(16)}`])).toEqual(byL1Hash);
    expect(await rpc(rpcUrl(), 'rollup_getDeposit', [`0x${'00'.repeat(31)}01`])).toEqual({ status: 'unknown' });
    for (const bad of [['0xzz'], [], [{ index: 0 }], [`0x${'00'.repeat(33)}`]]) {
      await expect(rpc(rpcUrl(), 'rollup_getDeposit', bad)).rejects.toMatchObject({ code: -32602 });
    }

    // viem reads the deposit, its receipt (acceptance 5 of #12) and the block holding it.
    const depositReceipt = await publicClient.getTransactionReceipt({ hash: l2Hash });
    expect(depositReceipt).toEqual(
      expect.objectContaining({
        status: 'success',
        blockHash: byL1Hash.blockHash,
        from: op.l1Sender.toLowerCase(),
        to: user.address.toLowerCase(),
        gasUsed: 0n,
      }),
    );
    expect(depositReceipt.logs.map((l) => [l.address, l.topics[0]])).toEqual([[L2_WITHDRAWALS_ADDRESS, DEPOSIT_EVENT_TOPIC]]);
    const depositTx = await publicClient.getTransaction({ hash: l2Hash });
    expect(depositTx).toEqual(
      expect.objectContaining({ hash: l2Hash, typeHex: '0x7d', value: parseEther('1'), nonce: 0, gas: 0n, input: '0x', blockHash: byL1Hash.blockHash }),
    );
    expect(depositReceipt.type).toBe('0x7d');
    const depositBlock = await publicClient.getBlock({ blockHash: byL1Hash.blockHash, includeTransactions: true });
    expect(depositBlock.transactions.map((t) => t.hash)).toContain(l2Hash);
    const position = depositBlock.transactions.findIndex((t) => t.hash === l2Hash);
    expect(depositTx.transactionIndex).toBe(position);
    expect((await publicClient.getBlock({ blockHash: byL1Hash.blockHash })).transactions).toContain(l2Hash);
    expect(await publicClient.getTransactionReceipt({ hash: l2Hash })).toEqual(depositReceipt);
    const inBlockReceipts = await rpc<{ transactionHash: Hex }[]>(rpcUrl(), 'eth_getBlockReceipts', [byL1Hash.blockHash]);
    expect(inBlockReceipts[position].transactionHash).toBe(l2Hash);
    const byIndex = await rpc<{ hash: Hex }>(rpcUrl(), 'eth_getTransactionByBlockHashAndIndex', [byL1Hash.blockHash, `0x${position.toString(16)}`]);
    expect(byIndex.hash).toBe(l2Hash);
    expect(await rpc(rpcUrl(), 'eth_getRawTransactionByHash', [l2Hash])).toBe(bytesToHex(encodeDepositTx(op)));
    const logs = await publicClient.getLogs({ address: L2_WITHDRAWALS_ADDRESS, blockHash: byL1Hash.blockHash });
    expect(logs.filter((l) => l.topics[0] === DEPOSIT_EVENT_TOPIC).map((l) => l.transactionHash)).toContain(l2Hash);

    // ethers reads them too: the transaction, the receipt, the block with its transactions prefetched.
    const provider = new JsonRpcProvider(rpcUrl(), Network.from(chain.id), { staticNetwork: true, cacheTimeout: -1 });
    const ethersTx = await provider.getTransaction(l2Hash);
    expect(ethersTx).toEqual(expect.objectContaining({ hash: l2Hash, type: DEPOSIT_TX_TYPE, value: parseEther('1'), blockHash: byL1Hash.blockHash }));
    const ethersReceipt = await provider.getTransactionReceipt(l2Hash);
    expect(ethersReceipt).toEqual(expect.objectContaining({ hash: l2Hash, status: 1, gasUsed: 0n, blockHash: byL1Hash.blockHash }));
    expect(ethersReceipt?.logs).toHaveLength(1);
    const ethersBlock = await provider.getBlock(byL1Hash.blockHash, true);
    expect(ethersBlock?.prefetchedTransactions.map((t) => t.hash)).toContain(l2Hash);
    provider.destroy();
    await until('the DepositFinalized event over the WebSocket', 10_000, async () => (watched.length > 0 ? true : undefined));
    expect(watched.map((l) => [l.transactionHash, l.args.l2Recipient, l.args.amount])).toEqual([[l2Hash, user.address, parseEther('1')]]);
    unwatch();
    await publicWs.transport.getRpcClient().then((c) => c.close());

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
