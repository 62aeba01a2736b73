/**
 * EIP-2935 on the running chain: after more than 256 blocks, a contract (compiled here with solc)
 * that reads the history contract gets, for each of the last 256 blocks, the hash
 * eth_getBlockByNumber answers, and BLOCKHASH agrees; the storage behind it is what eth_getStorageAt
 * reads; and every one of those blocks is proven. Uses a fresh key funded by dev account 0.
 */
import { decodeFunctionResult, encodeDeployData, encodeFunctionData, type Hex, numberToHex, pad, parseEther, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CODE } from '../../core/chain/standardContracts.ts';
import { compileContract } from '../../scripts/lib/compile.ts';
import { rpc } from '../../scripts/lib/rpc.ts';
import { devAccount, rpcUrl } from './helpers.ts';

const BLOCKS = 260;

interface Status {
  head: number;
  provenHead: number;
  provingLag: number;
  failures: number;
}
/**
 * A read, tried again when the local D1 fails it (-32000 `D1_ERROR`, e.g. "Failed to get session
 * commit token" while another workerd process writes the same SQLite file under load): the reads
 * are what this test checks, not the local D1's availability.
 */
async function read<T>(method: string, params: unknown[]): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await rpc<T>(rpcUrl(), method, params);
    } catch (e) {
      if (attempt >= 5 || !(e instanceof Error) || !e.message.includes('D1_ERROR')) throw e;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}
const status = async (): Promise<Status> => (await fetch(new URL('/status', rpcUrl()))).json() as Promise<Status>;
const blockHash = async (n: bigint) => (await read<{ hash: Hex }>('eth_getBlockByNumber', [numberToHex(n), false])).hash;

describe('EIP-2935 block-hash history on the running chain', () => {
  it('serves the hash of each of the last 256 blocks as eth_getBlockByNumber and BLOCKHASH do, and the blocks are proven', async () => {
    expect(await rpc<Hex>(rpcUrl(), 'eth_getCode', [HISTORY_STORAGE_ADDRESS, 'latest'])).toBe(HISTORY_STORAGE_CODE);
    const chainId = Number(BigInt(await rpc<string>(rpcUrl(), 'eth_chainId')));
    const funder = devAccount(0);
    const sender = privateKeyToAccount(generatePrivateKey());
    const fee = { maxFeePerGas: 50_000_000_000n, maxPriorityFeePerGas: 1_000_000n, type: 'eip1559' as const, chainId };
    const funderNonce = Number(BigInt(await rpc<string>(rpcUrl(), 'eth_getTransactionCount', [funder.address, 'pending'])));
    await rpc(rpcUrl(), 'eth_sendRawTransactionSync', [
      await funder.signTransaction({ ...fee, gas: 21_000n, to: sender.address, value: parseEther('1'), nonce: funderNonce }),
    ]);
    const { abi, bytecode } = compileContract('HistoryReader.sol');
    const deployed = await rpc<{ contractAddress: Hex; blockNumber: Hex }>(rpcUrl(), 'eth_sendRawTransactionSync', [
      await sender.signTransaction({ ...fee, gas: 1_000_000n, data: encodeDeployData({ abi, bytecode }), nonce: 0 }),
      10_000,
    ]);
    const reader = deployed.contractAddress;
    // One transfer at a time, each waited for: a block each (the chain seals only when there is work).
    let last = BigInt(deployed.blockNumber);
    for (let i = 1; i <= BLOCKS; i++) {
      const receipt = await rpc<{ blockNumber: Hex }>(rpcUrl(), 'eth_sendRawTransactionSync', [
        await sender.signTransaction({ ...fee, gas: 21_000n, to: funder.address, value: 1n, nonce: i }),
        10_000,
      ]);
      const n = BigInt(receipt.blockNumber);
      expect(n).toBeGreaterThan(last);
      last = n;
    }
    const head = BigInt(await rpc<Hex>(rpcUrl(), 'eth_blockNumber'));
    expect(head).toBeGreaterThanOrEqual(last);
    expect(head).toBeGreaterThan(256n);

    // The call runs in block `head`'s environment: the last 256 blocks are head - 256 .. head - 1.
    const from = head - 256n;
    const out = await read<Hex>('eth_call', [{ to: reader, data: encodeFunctionData({ abi, functionName: 'hashes', args: [from, 256n] }) }, toHex(head)]);
    const [history, blockHashes] = decodeFunctionResult({ abi, functionName: 'hashes', data: out }) as readonly [readonly Hex[], readonly Hex[]];
    const expected: Hex[] = [];
    for (let i = 0n; i < 256n; i += 32n) expected.push(...(await Promise.all(Array.from({ length: 32 }, (_, j) => blockHash(from + i + BigInt(j))))));
    expect(history).toEqual(expected);
    expect(blockHashes).toEqual(expected);
    // The same hashes sit in the contract's storage, slot number % 8191.
    for (const n of [from, from + 100n, head - 1n]) {
      const slot = pad(toHex(n % 8191n), { size: 32 });
      expect(await read<Hex>('eth_getStorageAt', [HISTORY_STORAGE_ADDRESS, slot, toHex(head)])).toBe(await blockHash(n));
    }
    // The head itself is not in the history yet (its child stores it): the contract reverts, read as zero.
    const own = await read<Hex>('eth_call', [{ to: reader, data: encodeFunctionData({ abi, functionName: 'fromHistory', args: [head] }) }, toHex(head)]);
    expect(own).toBe(`0x${'00'.repeat(32)}`);

    // Every block, these included, is re-executed with the system call and proven; none refused.
    const deadline = Date.now() + 180_000;
    let s = await status();
    while (s.provenHead < Number(head) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      s = await status();
    }
    expect(s.provenHead).toBeGreaterThanOrEqual(Number(head));
    expect(s.failures).toBe(0);
  }, 420_000);
});
