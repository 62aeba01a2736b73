/**
 * A transaction emitting more than 2 MB of logs (the row limit of Durable Object SQLite and D1) is
 * included, and its receipt and logs are served whole, byte for byte, by the sequencer right after
 * sealing and by D1 once it indexed the block. Uses a fresh key funded by dev account 0.
 */
import { createWalletClient, encodeFunctionData, type Hex, http, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileContract } from '../../scripts/lib/compile.ts';
import { JsonRpcCallError, rpc } from '../../scripts/lib/rpc.ts';
import { bigLogDataHex } from '../support/bigLogs.ts';
import { POLL_MS, rpcUrl, type ViemClients, viemClients, waitReceipt } from './helpers.ts';

interface Log {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  transactionHash: Hex;
  logIndex: Hex;
}
interface Receipt {
  status: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  transactionHash: Hex;
  logs: Log[];
}

const indexedHead = async (): Promise<number> => ((await (await fetch(new URL('/status', rpcUrl()))).json()) as { indexedHead: number }).indexedHead;

let clients: ViemClients;
let contract: Hex;
const account = privateKeyToAccount(generatePrivateKey());

beforeAll(async () => {
  clients = await viemClients();
  const funding = await clients.wallet(0).sendTransaction({ to: account.address, value: parseEther('10') });
  await waitReceipt(clients.publicClient, funding);
  const { abi, bytecode } = compileContract('BigLogs.sol');
  const wallet = createWalletClient({ chain: clients.chain, transport: http(rpcUrl()), account });
  const receipt = await waitReceipt(clients.publicClient, await wallet.deployContract({ abi, bytecode }));
  contract = receipt.contractAddress as Hex;
});

/** Sends emitLogs(count, size) and answers the receipt the sequencer gives (eth_sendRawTransactionSync). */
async function emitLogs(count: number, size: number): Promise<Receipt> {
  const { abi } = compileContract('BigLogs.sol');
  const wallet = createWalletClient({ chain: clients.chain, transport: http(rpcUrl()), account });
  const request = await wallet.prepareTransactionRequest({
    to: contract,
    data: encodeFunctionData({ abi, functionName: 'emitLogs', args: [BigInt(count), BigInt(size)] }),
    gas: 29_000_000n,
  });
  const raw = await wallet.signTransaction(request);
  try {
    return await rpc<Receipt>(rpcUrl(), 'eth_sendRawTransactionSync', [raw, 10_000]);
  } catch (e) {
    // Code 4: in the pool, not sealed within the wait; the receipt follows.
    if (!(e instanceof JsonRpcCallError) || e.code !== 4) throw e;
    const receipt = await waitReceipt(clients.publicClient, e.data as Hex);
    return rpc<Receipt>(rpcUrl(), 'eth_getTransactionReceipt', [receipt.transactionHash]);
  }
}

describe.each([
  { what: 'more than 2 MB of logs (5 logs of 450,000 bytes)', count: 5, size: 450_000 },
  { what: 'one log of 1,200,000 bytes', count: 1, size: 1_200_000 },
])('a transaction with $what', ({ count, size }) => {
  it('is included, and its receipt and logs are served byte-equal before and after D1 indexes them', async () => {
    const receipt = await emitLogs(count, size);
    expect(receipt.status).toBe('0x1');
    const data = bigLogDataHex(size);
    expect(receipt.logs.map((l) => [l.address, l.topics, l.data === data])).toEqual(
      [...Array(count).keys()].map((k) => [contract, [`0x${k.toString(16).padStart(64, '0')}`], true]),
    );
    const block = Number(BigInt(receipt.blockNumber));
    const filter = { fromBlock: receipt.blockNumber, toBlock: receipt.blockNumber, address: contract };
    // The receipt above is the sequencer's own (eth_sendRawTransactionSync waits in the Durable
    // Object). Reads right after it are served by the sequencer if D1 has not indexed the block
    // yet, else by D1; the line below tells which (locally the flush is usually done by then:
    // test/workerd/bigValues.test.ts holds D1 back to read through the sequencer's path).
    const early = await indexedHead();
    expect(await rpc(rpcUrl(), 'eth_getTransactionReceipt', [receipt.transactionHash])).toEqual(receipt);
    expect(await rpc(rpcUrl(), 'eth_getLogs', [filter])).toEqual(receipt.logs);
    console.log(`block ${block}: read ${early < block ? 'before' : 'after'} D1 indexed it (indexedHead ${early})`);
    // After the outbox flush, from D1.
    while ((await indexedHead()) < block) await new Promise((r) => setTimeout(r, POLL_MS));
    expect(await rpc(rpcUrl(), 'eth_getTransactionReceipt', [receipt.transactionHash])).toEqual(receipt);
    expect(await rpc(rpcUrl(), 'eth_getLogs', [filter])).toEqual(receipt.logs);
    expect(await rpc(rpcUrl(), 'eth_getBlockReceipts', [receipt.blockNumber])).toContainEqual(receipt);
    expect(await rpc(rpcUrl(), 'rollup_getTransactionStatus', [receipt.transactionHash])).toEqual({
      status: 'included',
      blockNumber: receipt.blockNumber,
      blockHash: receipt.blockHash,
    });
  });
});

it('answers unknown for a hash it never acknowledged, and -32602 for what is not a hash', async () => {
  expect(await rpc(rpcUrl(), 'rollup_getTransactionStatus', [`0x${'ab'.repeat(32)}`])).toEqual({ status: 'unknown' });
  await expect(rpc(rpcUrl(), 'rollup_getTransactionStatus', ['0x1234'])).rejects.toMatchObject({ code: -32602 });
  await expect(rpc(rpcUrl(), 'rollup_getTransactionStatus', [])).rejects.toMatchObject({ code: -32602 });
});
