// viem against the running chain: dev accounts 1 (owner), 2 (alice) and 3 (spender).
import {
  type AbiEvent,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  encodeFunctionData,
  getAbiItem,
  isAddressEqual,
  parseEther,
  zeroAddress,
} from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { JsonRpcCallError, rpc } from '../../scripts/lib/rpc.ts';
import { type DeployedToken, deployToken, freshAddress, type Public, rpcUrl, tokenArtifact, viemClients, type Wallet, waitReceipt } from './helpers.ts';

let pub: Public;
let owner: Wallet;
let alice: Wallet;
let spender: Wallet;
beforeAll(async () => {
  const c = await viemClients();
  [pub, owner, alice, spender] = [c.publicClient, c.wallet(1), c.wallet(2), c.wallet(3)];
});

/** The revert error a viem call failed with, found along its cause chain. */
function revertOf(err: unknown): ContractFunctionRevertedError {
  expect(err).toBeInstanceOf(BaseError);
  const found = (err as BaseError).walk((e) => e instanceof ContractFunctionRevertedError);
  expect(found).toBeInstanceOf(ContractFunctionRevertedError);
  return found as ContractFunctionRevertedError;
}

describe('viem: native transfer', () => {
  it('moves the value and charges exactly gasUsed * effectiveGasPrice', async () => {
    const value = parseEther('1.25');
    const to = alice.account.address;
    const hash = await owner.sendTransaction({ to, value });
    const receipt = await waitReceipt(pub, hash);
    expect(receipt.status).toBe('success');
    expect(receipt.transactionHash).toBe(hash);
    expect(isAddressEqual(receipt.from, owner.account.address)).toBe(true);
    expect(receipt.to !== null && isAddressEqual(receipt.to, to)).toBe(true);
    expect(receipt.gasUsed).toBe(21_000n);

    const n = receipt.blockNumber;
    const bal = (address: `0x${string}`, blockNumber: bigint) => pub.getBalance({ address, blockNumber });
    const [ownerBefore, ownerAfter, toBefore, toAfter] = await Promise.all([
      bal(owner.account.address, n - 1n),
      bal(owner.account.address, n),
      bal(to, n - 1n),
      bal(to, n),
    ]);
    expect(ownerBefore - ownerAfter).toBe(value + receipt.gasUsed * receipt.effectiveGasPrice);
    expect(toAfter - toBefore).toBe(value);

    const [tx, block] = await Promise.all([pub.getTransaction({ hash }), pub.getBlock({ blockNumber: n })]);
    expect(tx.type).toBe('eip1559');
    if (tx.type !== 'eip1559' || block.baseFeePerGas === null) throw new Error('expected a type-2 tx in a block with a base fee');
    const tipped = block.baseFeePerGas + tx.maxPriorityFeePerGas; // effective price = min(maxFee, baseFee + tip)
    expect(receipt.effectiveGasPrice).toBe(tipped < tx.maxFeePerGas ? tipped : tx.maxFeePerGas);
    expect(block.transactions).toContain(hash);
  });
});

describe('viem: Token (contracts/Token.sol)', () => {
  const supply = parseEther('1000000');
  let token: DeployedToken;
  const read = (functionName: string, args: unknown[] = []) => pub.readContract({ address: token.address, abi: token.abi, functionName, args });
  beforeAll(async () => {
    token = await deployToken(pub, owner, { name: 'Viem Token', symbol: 'VT', supply });
  });

  it('is deployed with the compiled runtime code and the minted supply', async () => {
    expect(await pub.getCode({ address: token.address })).toBe(tokenArtifact().deployedBytecode);
    expect(await read('name')).toBe('Viem Token');
    expect(await read('symbol')).toBe('VT');
    expect(await read('decimals')).toBe(18);
    expect(await read('totalSupply')).toBe(supply);
    expect(await read('balanceOf', [owner.account.address])).toBe(supply);
  });

  it('transfer() moves tokens; the Transfer event is found by address, topics and block range', async () => {
    const amount = parseEther('1234.5');
    const [ownerBefore, aliceBefore] = [await read('balanceOf', [owner.account.address]), await read('balanceOf', [alice.account.address])];
    const hash = await owner.writeContract({ address: token.address, abi: token.abi, functionName: 'transfer', args: [alice.account.address, amount] });
    const receipt = await waitReceipt(pub, hash);
    expect(receipt.status).toBe('success');
    expect(receipt.logs).toHaveLength(1);
    expect(await read('balanceOf', [owner.account.address])).toBe((ownerBefore as bigint) - amount);
    expect(await read('balanceOf', [alice.account.address])).toBe((aliceBefore as bigint) + amount);

    const event = getAbiItem({ abi: token.abi, name: 'Transfer' }) as AbiEvent;
    const range = { fromBlock: token.receipt.blockNumber, toBlock: receipt.blockNumber };
    const logs = await pub.getLogs({ address: token.address, event, args: { from: owner.account.address, to: alice.account.address }, ...range });
    expect(logs).toHaveLength(1);
    expect(logs[0].transactionHash).toBe(hash);
    expect(logs[0].blockNumber).toBe(receipt.blockNumber);
    expect(logs[0].args).toMatchObject({ value: amount });
    expect(await pub.getLogs({ address: token.address, event, args: { to: freshAddress() }, ...range })).toEqual([]);

    const events = await pub.getContractEvents({ address: token.address, abi: token.abi, eventName: 'Transfer', ...range });
    expect(events.map((e) => e.transactionHash)).toEqual([token.receipt.transactionHash, hash]);
    expect(events[0].args).toMatchObject({ from: zeroAddress, value: supply });
  });

  it('approve() and transferFrom() spend the allowance', async () => {
    const amount = parseEther('10');
    const approve = await owner.writeContract({
      address: token.address,
      abi: token.abi,
      functionName: 'approve',
      args: [spender.account.address, amount * 3n],
    });
    expect((await waitReceipt(pub, approve)).status).toBe('success');
    expect(await read('allowance', [owner.account.address, spender.account.address])).toBe(amount * 3n);
    const to = freshAddress();
    const hash = await spender.writeContract({
      address: token.address,
      abi: token.abi,
      functionName: 'transferFrom',
      args: [owner.account.address, to, amount],
    });
    expect((await waitReceipt(pub, hash)).status).toBe('success');
    expect(await read('balanceOf', [to])).toBe(amount);
    expect(await read('allowance', [owner.account.address, spender.account.address])).toBe(amount * 2n);
  });

  it('a reverting call carries the reason string, and a custom error its decoded arguments', async () => {
    const balance = (await read('balanceOf', [alice.account.address])) as bigint;
    const call = (functionName: string, args: unknown[]) =>
      pub.simulateContract({ account: alice.account, address: token.address, abi: token.abi, functionName, args });
    const err1 = await call('transfer', [owner.account.address, balance + 1n]).catch((e: unknown) => e);
    expect(revertOf(err1).reason).toBe('Token: insufficient balance');
    const err2 = await call('burn', [balance + 1n]).catch((e: unknown) => e);
    expect(revertOf(err2).data).toMatchObject({ errorName: 'InsufficientBalance', args: [alice.account.address, balance, balance + 1n] });
  });

  it('raw eth_call of a revert answers JSON-RPC error code 3 with Error(string) data', async () => {
    const data = encodeFunctionData({ abi: token.abi, functionName: 'transfer', args: [owner.account.address, supply + 1n] });
    const err = await rpc(rpcUrl(), 'eth_call', [{ from: alice.account.address, to: token.address, data }, 'latest']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JsonRpcCallError);
    const { code, data: revertData } = err as JsonRpcCallError;
    expect(code).toBe(3);
    expect(revertData).toMatch(/^0x08c379a0[0-9a-f]*$/);
    expect(decodeErrorResult({ abi: token.abi, data: revertData as `0x${string}` })).toMatchObject({
      errorName: 'Error',
      args: ['Token: insufficient balance'],
    });
  });

  it('a reverting transaction is included with status reverted, charging only gas', async () => {
    const before = (await read('balanceOf', [alice.account.address])) as bigint;
    const data = encodeFunctionData({ abi: token.abi, functionName: 'transfer', args: [owner.account.address, before + 1n] });
    const hash = await alice.sendTransaction({ to: token.address, data, gas: 100_000n });
    const receipt = await waitReceipt(pub, hash);
    expect(receipt.status).toBe('reverted');
    expect(receipt.logs).toEqual([]);
    expect(await read('balanceOf', [alice.account.address])).toBe(before);
    const n = receipt.blockNumber;
    const [b0, b1] = await Promise.all([
      pub.getBalance({ address: alice.account.address, blockNumber: n - 1n }),
      pub.getBalance({ address: alice.account.address, blockNumber: n }),
    ]);
    expect(b0 - b1).toBe(receipt.gasUsed * receipt.effectiveGasPrice);
  });
});
