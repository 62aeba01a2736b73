// Watching the chain (issue #13): viem and ethers over the WebSocket on the RPC URL, and ethers'
// contract events over HTTP, which it polls through filters. Dev account 9 (files run one at a time).
import { Contract, JsonRpcProvider, Network, Wallet, WebSocketProvider } from 'ethers';
import { type Address, createPublicClient, createWalletClient, type Hex, http, parseEther, webSocket } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeployedToken, deployToken, devAccount, devPrivateKey, freshAddress, getChain, POLL_MS, rpcUrl } from './helpers.ts';

const wsUrl = () => rpcUrl().replace(/^http/, 'ws');
type EventPayload = { args: unknown[]; log: { transactionHash: string } };
const until = async (pred: () => boolean, what: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

let token: DeployedToken;
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function clients() {
  const chain = await getChain();
  const ws = webSocket(wsUrl(), { retryCount: 0 });
  const publicWs = createPublicClient({ chain, transport: ws, pollingInterval: POLL_MS });
  const walletWs = createWalletClient({ chain, transport: ws, account: devAccount(9) });
  const publicHttp = createPublicClient({ chain, transport: http(rpcUrl()), pollingInterval: POLL_MS });
  const walletHttp = createWalletClient({ chain, transport: http(rpcUrl()), account: devAccount(9) });
  return { chain, publicWs, walletWs, publicHttp, walletHttp };
}

beforeAll(async () => {
  const { publicHttp, walletHttp } = await clients();
  token = await deployToken(publicHttp, walletHttp, { supply: parseEther('1000000') });
});

describe('viem over webSocket', () => {
  it('watchBlocks sees each new block; a transaction sent over the socket gets its receipt there', async () => {
    const { publicWs, walletWs } = await clients();
    const seen: bigint[] = [];
    const unwatch = publicWs.watchBlocks({ onBlock: (b) => seen.push(b.number), emitOnBegin: false });
    cleanups.push(unwatch);
    // Give the subscription a moment to be installed, then make a block.
    await new Promise((r) => setTimeout(r, 300));
    const hash = await walletWs.sendTransaction({ to: freshAddress(), value: 1n });
    const receipt = await publicWs.waitForTransactionReceipt({ hash, timeout: 30_000 });
    expect(receipt.status).toBe('success');
    await until(() => seen.includes(receipt.blockNumber), `block ${receipt.blockNumber} from watchBlocks`);
    unwatch();
  });

  it('watchContractEvent delivers an ERC-20 Transfer with its args', async () => {
    const { publicWs, walletHttp, publicHttp } = await clients();
    const to = freshAddress();
    const events: { args: { from?: Address; to?: Address; value?: bigint }; removed: boolean; transactionHash: Hex | null }[] = [];
    const unwatch = publicWs.watchContractEvent({
      address: token.address,
      abi: token.abi,
      eventName: 'Transfer',
      args: { to },
      onLogs: (logs) => events.push(...(logs as unknown as typeof events)),
    });
    cleanups.push(unwatch);
    await new Promise((r) => setTimeout(r, 300));
    const hash = await walletHttp.writeContract({ address: token.address, abi: token.abi, functionName: 'transfer', args: [to, 1234n] });
    await publicHttp.waitForTransactionReceipt({ hash, pollingInterval: POLL_MS });
    // A transfer to someone else does not match the `to` filter.
    await walletHttp.writeContract({ address: token.address, abi: token.abi, functionName: 'transfer', args: [freshAddress(), 1n] });
    await until(() => events.length >= 1, 'the Transfer event');
    await new Promise((r) => setTimeout(r, 500));
    expect(events).toHaveLength(1);
    expect(events[0].args.to).toBe(to);
    expect(events[0].args.value).toBe(1234n);
    expect(events[0].removed).toBe(false);
    expect(events[0].transactionHash).toBe(hash);
    unwatch();
  });
});

describe('ethers v6', () => {
  it('WebSocketProvider: on("block") and contract.on("Transfer")', async () => {
    const chainId = BigInt(await (await clients()).publicHttp.getChainId());
    const provider = new WebSocketProvider(wsUrl(), Network.from(chainId), { staticNetwork: true });
    cleanups.push(() => provider.destroy());
    const blocks: number[] = [];
    await provider.on('block', (n: number) => blocks.push(n));
    const contract = new Contract(token.address, token.abi as never, provider);
    const transfers: { to: string; value: bigint; hash: string }[] = [];
    const to = freshAddress();
    // With a topic filter, ethers hands the listener the event payload alone (its args are on it).
    await contract.on(contract.filters.Transfer(null, to), (ev: EventPayload) =>
      transfers.push({ to: ev.args[1] as string, value: ev.args[2] as bigint, hash: ev.log.transactionHash }),
    );
    const signer = new Wallet(devPrivateKey(9), new JsonRpcProvider(rpcUrl(), Network.from(chainId), { staticNetwork: true, cacheTimeout: -1 }));
    const tx = await (contract.connect(signer) as Contract).transfer(to, 77n);
    const receipt = await tx.wait(1, 60_000);
    await until(() => transfers.length >= 1, 'the Transfer over the WebSocket');
    expect(transfers[0]).toEqual({ to, value: 77n, hash: receipt.hash });
    await until(() => blocks.includes(receipt.blockNumber), `block ${receipt.blockNumber} from on('block')`);
    await provider.removeAllListeners();
  });

  it('JsonRpcProvider over HTTP: contract.on("Transfer") through eth_newFilter and eth_getFilterChanges', async () => {
    const chainId = BigInt(await (await clients()).publicHttp.getChainId());
    const provider = new JsonRpcProvider(rpcUrl(), Network.from(chainId), { staticNetwork: true, pollingInterval: POLL_MS, cacheTimeout: -1 });
    const calls: string[] = [];
    provider.on('debug', (e: { action: string; payload?: { method: string } | { method: string }[] }) => {
      if (e.action === 'sendRpcPayload') for (const p of [e.payload].flat()) if (p?.method) calls.push(p.method);
    });
    const contract = new Contract(token.address, token.abi as never, provider);
    const to = freshAddress();
    const transfers: bigint[] = [];
    await contract.on(contract.filters.Transfer(null, to), (ev: EventPayload) => transfers.push(ev.args[2] as bigint));
    await new Promise((r) => setTimeout(r, 500));
    const signer = new Wallet(devPrivateKey(9), provider);
    const tx = await (contract.connect(signer) as Contract).transfer(to, 5n);
    await tx.wait(1, 60_000);
    await until(() => transfers.length >= 1, 'the Transfer through a filter');
    expect(transfers).toEqual([5n]);
    expect(calls).toContain('eth_newFilter');
    expect(calls).toContain('eth_getFilterChanges');
    await contract.removeAllListeners();
    await until(() => calls.includes('eth_uninstallFilter'), 'ethers to uninstall its filter');
    await new Promise((r) => setTimeout(r, 200));
    provider.destroy();
  });
});
