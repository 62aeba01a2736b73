// ethers v6 against the running chain: dev account 4.
import { type Contract, ContractFactory, getAddress, type InterfaceAbi, isError, JsonRpcProvider, Network, parseEther, Wallet } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { rpc } from '../../scripts/lib/rpc.ts';
import { devPrivateKey, freshAddress, POLL_MS, rpcUrl, tokenArtifact } from './helpers.ts';

let provider: JsonRpcProvider;
let wallet: Wallet;
beforeAll(async () => {
  const chainId = BigInt(await rpc<string>(rpcUrl(), 'eth_chainId'));
  // cacheTimeout -1: ethers otherwise shares identical requests made within 250 ms, so a second
  // transaction sent soon after the first reuses a stale `pending` nonce on a fast chain.
  provider = new JsonRpcProvider(rpcUrl(), Network.from(chainId), { staticNetwork: true, pollingInterval: POLL_MS, cacheTimeout: -1 });
  wallet = new Wallet(devPrivateKey(4), provider);
});

describe('ethers: native transfer', () => {
  it('sends, waits for the receipt, and finds the transaction in its block', async () => {
    const to = freshAddress();
    const value = parseEther('0.5');
    const nonce = await provider.getTransactionCount(wallet.address, 'pending');
    const tx = await wallet.sendTransaction({ to, value });
    expect(tx.type).toBe(2);
    expect(tx.nonce).toBe(nonce);
    const receipt = await tx.wait(1, 60_000);
    if (!receipt) throw new Error('no receipt');

    expect(receipt.hash).toBe(tx.hash);
    expect(receipt.status).toBe(1);
    expect(receipt.type).toBe(2);
    expect(receipt.from).toBe(wallet.address);
    expect(receipt.to).toBe(getAddress(to));
    expect(receipt.contractAddress).toBeNull();
    expect(receipt.gasUsed).toBe(21_000n);
    expect(receipt.cumulativeGasUsed).toBeGreaterThanOrEqual(receipt.gasUsed);
    expect(receipt.logs).toEqual([]);
    expect(receipt.logsBloom).toBe(`0x${'0'.repeat(512)}`);
    expect(receipt.gasPrice).toBeGreaterThan(0n);
    expect(await provider.getBalance(to)).toBe(value);

    const block = await provider.getBlock(receipt.blockNumber, true);
    if (!block) throw new Error(`no block ${receipt.blockNumber}`);
    expect(block.number).toBe(receipt.blockNumber);
    expect(block.hash).toBe(receipt.blockHash);
    expect(block.transactions).toContain(tx.hash);
    expect(block.baseFeePerGas).not.toBeNull();
    expect(block.gasUsed).toBeGreaterThanOrEqual(receipt.cumulativeGasUsed);
    const mined = block.getPrefetchedTransaction(tx.hash);
    expect(mined).toMatchObject({ from: wallet.address, to: getAddress(to), value, nonce, chainId: tx.chainId });

    const parent = await provider.getBlock(receipt.blockNumber - 1);
    expect(parent?.hash).toBe(block.parentHash);
    expect(block.timestamp).toBeGreaterThanOrEqual(parent?.timestamp ?? Number.POSITIVE_INFINITY);
  });
});

describe('ethers: Token', () => {
  const supply = parseEther('5000');
  let token: Contract;
  beforeAll(async () => {
    const { abi, bytecode } = tokenArtifact();
    const deployed = await new ContractFactory(abi as InterfaceAbi, bytecode, wallet).deploy('Ethers Token', 'ET', supply);
    await deployed.waitForDeployment();
    token = deployed as Contract;
  });

  it('reads, transfers and queries the Transfer event', async () => {
    expect(await token.symbol()).toBe('ET');
    expect(await token.balanceOf(wallet.address)).toBe(supply);
    const to = freshAddress();
    const amount = parseEther('12.5');
    const tx = await token.transfer(to, amount);
    const receipt = await tx.wait(1, 60_000);
    expect(receipt.status).toBe(1);
    expect(await token.balanceOf(to)).toBe(amount);

    const events = await token.queryFilter(token.filters.Transfer(wallet.address, to), receipt.blockNumber, receipt.blockNumber);
    expect(events).toHaveLength(1);
    expect(events[0].transactionHash).toBe(receipt.hash);
    expect((events[0] as unknown as { args: unknown[] }).args.slice(0, 3)).toEqual([wallet.address, getAddress(to), amount]);
  });

  it('decodes the revert reason of a failing call', async () => {
    const balance: bigint = await token.balanceOf(wallet.address);
    const err = await token.transfer.staticCall(freshAddress(), balance + 1n).catch((e: unknown) => e);
    expect(isError(err, 'CALL_EXCEPTION')).toBe(true);
    expect(err).toMatchObject({ reason: 'Token: insufficient balance' });
  });
});
