// Bad input over raw HTTP: exact JSON-RPC error codes, and nothing changes on the chain when a
// request is refused (head block, sender nonce and balance). Dev accounts 8 (signer) and 9 (Token).
import { type Address, encodeFunctionData, type Hex, keccak256, parseEther, parseGwei, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DeployedToken, deployToken, devAccount, freshAddress, type Public, rpcUrl, viemClients, type Wallet, waitReceipt } from './helpers.ts';

const CHAIN_ID = 31337;
const BLOCK_GAS_LIMIT = 30_000_000n;

interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}
interface RpcReply {
  jsonrpc: string;
  id: unknown;
  result?: unknown;
  error?: RpcError;
}

/** POSTs `body` as it is (a string is sent verbatim) and returns the status, headers and parsed JSON. */
async function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(rpcUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${res.status}: response is not JSON: ${text.slice(0, 500)}`);
  }
  return { status: res.status, headers: res.headers, json };
}

const request = (method: string, params: unknown[] = [], id: unknown = 1) => ({ jsonrpc: '2.0', id, method, params });

/** A single reply (not a batch) that is an error; returns it. */
function expectError(json: unknown, code: number, id: unknown = 1): RpcError {
  expect(Array.isArray(json), JSON.stringify(json)).toBe(false);
  const reply = json as RpcReply;
  expect(reply.jsonrpc).toBe('2.0');
  expect(reply.result, JSON.stringify(reply)).toBeUndefined();
  expect(reply.error, JSON.stringify(reply)).toBeDefined();
  expect(reply.error?.code, JSON.stringify(reply)).toBe(code);
  expect(reply.error?.message).toBeTypeOf('string');
  expect(reply.id).toEqual(id);
  return reply.error as RpcError;
}

async function callError(method: string, params: unknown[], code: number): Promise<RpcError> {
  const { status, json } = await post(request(method, params));
  expect(status).toBe(200);
  return expectError(json, code);
}

async function result<T>(method: string, params: unknown[] = []): Promise<T> {
  const { json } = await post(request(method, params));
  const reply = json as RpcReply;
  if (reply.error) throw new Error(`${method} failed: ${JSON.stringify(reply.error)}`);
  return reply.result as T;
}

interface Snapshot {
  block: Hex;
  nonce: Hex;
  pendingNonce: Hex;
  balance: Hex;
}
const snapshot = async (address: Address): Promise<Snapshot> => ({
  block: await result<Hex>('eth_blockNumber'),
  nonce: await result<Hex>('eth_getTransactionCount', [address, 'latest']),
  pendingNonce: await result<Hex>('eth_getTransactionCount', [address, 'pending']),
  balance: await result<Hex>('eth_getBalance', [address, 'latest']),
});

/**
 * Runs `refused` and asserts that the head block and `address`'s nonces and balance are the same
 * afterwards, one block time later (so a wrongly admitted transaction would have been mined).
 */
async function expectNothingChanges(address: Address, refused: () => Promise<void>): Promise<void> {
  const before = await snapshot(address);
  await refused();
  await new Promise((r) => setTimeout(r, 400));
  expect(await snapshot(address)).toEqual(before);
}

const signer = devAccount(8);
let pub: Public;
let wallet8: Wallet;
let fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

/** A signed EIP-1559 transfer from account 8 (or `account`) at `nonce`. */
async function signTransfer(
  opts: { nonce?: number; gas?: bigint; to?: Address; value?: bigint; account?: ReturnType<typeof privateKeyToAccount> | typeof signer; chainId?: number } = {},
): Promise<Hex> {
  const account = opts.account ?? signer;
  const nonce = opts.nonce ?? Number(BigInt(await result<Hex>('eth_getTransactionCount', [account.address, 'pending'])));
  return account.signTransaction({
    type: 'eip1559',
    chainId: opts.chainId ?? CHAIN_ID,
    nonce,
    to: opts.to ?? freshAddress(),
    value: opts.value ?? 1n,
    gas: opts.gas ?? 21_000n,
    ...fees,
  });
}

beforeAll(async () => {
  const c = await viemClients();
  pub = c.publicClient;
  wallet8 = c.wallet(8);
  const base = BigInt(await result<Hex>('eth_gasPrice'));
  fees = { maxFeePerGas: base * 3n, maxPriorityFeePerGas: parseGwei('0.001') };
});

describe('bad input: the JSON-RPC envelope', () => {
  it('malformed JSON: -32700 with id null', async () => {
    const { status, json } = await post('{"jsonrpc":"2.0","id":1,"method":"eth_chainId"');
    expect(status).toBe(200);
    expectError(json, -32700, null);
  });

  it.each([
    ['a number', 42],
    ['a string', '"eth_chainId"'],
    ['null', 'null'],
    ['true', 'true'],
  ])('a non-object request (%s): -32600', async (_name, body) => {
    const { json } = await post(typeof body === 'number' ? String(body) : body);
    expectError(json, -32600, null);
  });

  it('wrong jsonrpc version: -32600', async () => {
    expectError((await post({ jsonrpc: '1.0', id: 7, method: 'eth_chainId', params: [] })).json, -32600, 7);
  });

  it('no jsonrpc member: -32600', async () => {
    expectError((await post({ id: 7, method: 'eth_chainId', params: [] })).json, -32600, 7);
  });

  it('missing method: -32600', async () => {
    expectError((await post({ jsonrpc: '2.0', id: 7, params: [] })).json, -32600, 7);
  });

  it('method not a string: -32600', async () => {
    expectError((await post({ jsonrpc: '2.0', id: 7, method: 42, params: [] })).json, -32600, 7);
  });

  it('unknown method: -32601', async () => {
    expectError((await post(request('eth_noSuchMethod', [], 'abc'))).json, -32601, 'abc');
  });

  it('empty batch: -32600', async () => {
    const { status, json } = await post('[]');
    expect(status).toBe(200);
    expectError(json, -32600, null);
  });

  it('batch over the limit (101 requests): -32600', async () => {
    const batch = Array.from({ length: 101 }, (_, i) => request('eth_chainId', [], i));
    const { status, json } = await post(batch);
    expect(status).toBe(200);
    // One error for the whole batch: a single object (as for the empty batch), or geth's form, a
    // one-element array. Either way nothing of the batch is executed.
    const single = Array.isArray(json) && json.length === 1 ? json[0] : json;
    const e = expectError(single, -32600, (single as RpcReply).id);
    expect(e.message).toMatch(/batch/i);
  });

  it('a batch of exactly 100 requests is answered', async () => {
    const batch = Array.from({ length: 100 }, (_, i) => request('eth_chainId', [], i));
    const { json } = await post(batch);
    expect(Array.isArray(json)).toBe(true);
    expect(json as RpcReply[]).toHaveLength(100);
  });

  it('a batch mixing good and bad requests answers each', async () => {
    const batch = [
      request('eth_chainId', [], 1),
      request('eth_noSuchMethod', [], 2),
      { jsonrpc: '1.0', id: 3, method: 'eth_chainId' },
      request('eth_getBalance', ['0xnothex', 'latest'], 4),
      request('net_version', [], 5),
      42,
    ];
    const { status, json } = await post(batch);
    expect(status).toBe(200);
    expect(Array.isArray(json), JSON.stringify(json)).toBe(true);
    const replies = json as RpcReply[];
    expect(replies).toHaveLength(6);
    const byId = new Map(replies.filter((r) => r.id !== null).map((r) => [r.id, r]));
    expect(byId.get(1)?.result).toBe(toHex(CHAIN_ID));
    expect(byId.get(2)?.error?.code).toBe(-32601);
    expect(byId.get(3)?.error?.code).toBe(-32600);
    expect(byId.get(4)?.error?.code).toBe(-32602);
    expect(byId.get(5)?.result).toBe(String(CHAIN_ID));
    const anonymous = replies.filter((r) => r.id === null);
    expect(anonymous).toHaveLength(1);
    expect(anonymous[0].error?.code).toBe(-32600);
  });

  it('oversized body (> 5 MiB): HTTP 413 with a JSON-RPC error', async () => {
    const big = JSON.stringify(request('eth_call', [{ to: freshAddress(), data: `0x${'ab'.repeat(2.6 * 1024 * 1024)}` }, 'latest']));
    expect(big.length).toBeGreaterThan(5 * 1024 * 1024);
    const { status, json } = await post(big);
    expect(status).toBe(413);
    const reply = json as RpcReply;
    expect(reply.jsonrpc).toBe('2.0');
    expect(reply.id).toBeNull();
    expect(reply.error?.code).toBeTypeOf('number');
    expect(reply.error?.message).toMatch(/too large/i);
  });

  it('CORS: an OPTIONS preflight with Origin gets Access-Control-Allow-Origin', async () => {
    const res = await fetch(rpcUrl(), {
      method: 'OPTIONS',
      headers: { Origin: 'https://wallet.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(res.status).toBeLessThan(300);
    const allow = res.headers.get('access-control-allow-origin');
    expect(['*', 'https://wallet.example']).toContain(allow);
    expect(res.headers.get('access-control-allow-methods') ?? '').toMatch(/POST/);
    expect((res.headers.get('access-control-allow-headers') ?? '').toLowerCase()).toMatch(/content-type/);
  });

  it('CORS: a POST with Origin gets Access-Control-Allow-Origin', async () => {
    const { headers } = await post(request('eth_chainId'), { Origin: 'https://wallet.example' });
    expect(['*', 'https://wallet.example']).toContain(headers.get('access-control-allow-origin'));
  });
});

describe('bad input: parameters (-32602)', () => {
  const good = () => signer.address;
  it.each([
    ['eth_getBalance: address not hex', 'eth_getBalance', () => ['0xnothexnothexnothexnothexnothexnothexnoth', 'latest']],
    ['eth_getBalance: address too short', 'eth_getBalance', () => ['0x1234', 'latest']],
    ['eth_getBalance: address a number', 'eth_getBalance', () => [1234, 'latest']],
    ['eth_getBalance: block tag garbage', 'eth_getBalance', () => [good(), 'latestest']],
    ['eth_getBalance: block tag an array', 'eth_getBalance', () => [good(), ['latest']]],
    ['eth_getBalance: too many params', 'eth_getBalance', () => [good(), 'latest', 'extra']],
    ['eth_getBalance: missing params', 'eth_getBalance', () => []],
    ['eth_blockNumber: too many params', 'eth_blockNumber', () => ['latest']],
    ['eth_chainId: too many params', 'eth_chainId', () => [1]],
    ['eth_getBlockByNumber: block tag garbage', 'eth_getBlockByNumber', () => ['nope', false]],
    ['eth_getBlockByNumber: flag not a boolean', 'eth_getBlockByNumber', () => ['latest', 'yes']],
    ['eth_getBlockByHash: hash too short', 'eth_getBlockByHash', () => ['0x1234', false]],
    ['eth_getTransactionCount: address not hex', 'eth_getTransactionCount', () => ['hello', 'latest']],
    ['eth_getStorageAt: slot not hex', 'eth_getStorageAt', () => [good(), 'slot', 'latest']],
    ['eth_call: call object a string', 'eth_call', () => ['0x00', 'latest']],
    ['eth_call: to not an address', 'eth_call', () => [{ to: '0x12' }, 'latest']],
    ['eth_getLogs: filter not an object', 'eth_getLogs', () => ['latest']],
    ['eth_sendRawTransaction: not a string', 'eth_sendRawTransaction', () => [12345]],
  ] as const)('%s', async (_name, method, params) => {
    const before = await result<Hex>('eth_blockNumber');
    await callError(method, [...params()], -32602);
    expect(await result<Hex>('eth_blockNumber')).toBe(before);
  });

  it('params not an array: -32602', async () => {
    await callError('eth_getBalance', { address: signer.address } as unknown as unknown[], -32602);
  });

  it.each([
    ['0x1234', '0x1234'],
    ['0x (empty)', '0x'],
    ['non-hex', 'zzzz'],
    ['odd-length hex', '0x123'],
    ['0x-prefixed non-hex', '0xzz'],
  ])('garbage raw transaction (%s): -32602', async (_name, raw) => {
    await expectNothingChanges(signer.address, async () => {
      await callError('eth_sendRawTransaction', [raw], -32602);
    });
  });
});

describe('bad input: refused transactions (-32000) change nothing', () => {
  it('a correctly signed EIP-1559 tx with the wrong chain id: "chain id"', async () => {
    const raw = await signTransfer({ chainId: 1 });
    await expectNothingChanges(signer.address, async () => {
      const e = await callError('eth_sendRawTransaction', [raw], -32000);
      expect(e.message).toMatch(/chain id/i);
    });
  });

  it('a correctly signed EIP-155 legacy tx with the wrong chain id: "chain id"', async () => {
    const nonce = Number(BigInt(await result<Hex>('eth_getTransactionCount', [signer.address, 'pending'])));
    const raw = await signer.signTransaction({ type: 'legacy', chainId: 1, nonce, to: freshAddress(), value: 1n, gas: 21_000n, gasPrice: fees.maxFeePerGas });
    await expectNothingChanges(signer.address, async () => {
      const e = await callError('eth_sendRawTransaction', [raw], -32000);
      expect(e.message).toMatch(/chain id/i);
    });
  });

  it('replaying an already-mined raw tx: "nonce too low"', async () => {
    const raw = await signTransfer();
    const hash = await result<Hex>('eth_sendRawTransaction', [raw]);
    expect(hash).toBe(keccak256(raw));
    expect((await waitReceipt(pub, hash)).status).toBe('success');
    await expectNothingChanges(signer.address, async () => {
      const e = await callError('eth_sendRawTransaction', [raw], -32000);
      expect(e.message).toMatch(/nonce too low/);
    });
  });

  it('the same pending tx twice: the second answers "already known"', async () => {
    // A fresh key, funded here, so the held future-nonce transaction never blocks anyone (reruns included).
    const key = privateKeyToAccount(generatePrivateKey());
    const funding = await wallet8.sendTransaction({ to: key.address, value: parseEther('0.01') });
    await waitReceipt(pub, funding);
    const pendingNonce = Number(BigInt(await result<Hex>('eth_getTransactionCount', [key.address, 'pending'])));
    const raw = await signTransfer({ account: key, nonce: pendingNonce + 5 });
    const hash = await result<Hex>('eth_sendRawTransaction', [raw]);
    expect(hash).toBe(keccak256(raw));
    await expectNothingChanges(key.address, async () => {
      const e = await callError('eth_sendRawTransaction', [raw], -32000);
      expect(e.message).toMatch(/already known/);
    });
    // Still held, never mined: the nonce gap stays.
    const held = await result<{ blockHash: Hex | null } | null>('eth_getTransactionByHash', [hash]);
    expect(held?.blockHash ?? null).toBeNull();
  });

  it('a blob (type 3) tx: refused, the message mentions blob', async () => {
    const nonce = Number(BigInt(await result<Hex>('eth_getTransactionCount', [signer.address, 'pending'])));
    const raw = await signer.signTransaction({
      type: 'eip4844',
      chainId: CHAIN_ID,
      nonce,
      to: freshAddress(),
      value: 0n,
      gas: 21_000n,
      ...fees,
      maxFeePerBlobGas: parseGwei('1'),
      blobVersionedHashes: [`0x01${'11'.repeat(31)}`],
    });
    expect(raw.startsWith('0x03')).toBe(true);
    await expectNothingChanges(signer.address, async () => {
      const e = await callError('eth_sendRawTransaction', [raw], -32000);
      expect(e.message).toMatch(/blob/i);
    });
  });

  // Unprotected legacy transactions: local chains admit them (ALLOW_UNPROTECTED_TXS, test/e2e/tooling.test.ts);
  // the default configuration refuses them (test/workerd/unprotectedTxs.test.ts).

  it('insufficient funds (a fresh random key): "insufficient funds"', async () => {
    const poor = privateKeyToAccount(generatePrivateKey());
    const raw = await signTransfer({ account: poor, nonce: 0 });
    await expectNothingChanges(poor.address, async () => {
      const e = await callError('eth_sendRawTransaction', [raw], -32000);
      expect(e.message).toMatch(/insufficient funds/);
    });
  });

  it('gas limit above the block gas limit: refused', async () => {
    const raw = await signTransfer({ gas: BLOCK_GAS_LIMIT + 1n });
    await expectNothingChanges(signer.address, async () => {
      const e = await callError('eth_sendRawTransaction', [raw], -32000);
      expect(e.message).toMatch(/gas limit/i);
    });
  });

  it('intrinsic gas too low (gas 20000 for a transfer): refused', async () => {
    const raw = await signTransfer({ gas: 20_000n });
    await expectNothingChanges(signer.address, async () => {
      const e = await callError('eth_sendRawTransaction', [raw], -32000);
      expect(e.message).toMatch(/intrinsic gas too low/);
    });
  });

  it('eth_sendRawTransactionSync refuses the same way (garbage: -32602, wrong chain id: -32000)', async () => {
    await expectNothingChanges(signer.address, async () => {
      await callError('eth_sendRawTransactionSync', ['0x1234'], -32602);
      const e = await callError('eth_sendRawTransactionSync', [await signTransfer({ chainId: 1 })], -32000);
      expect(e.message).toMatch(/chain id/i);
    });
  });
});

describe('bad input: reverting eth_call', () => {
  let token: DeployedToken;
  beforeAll(async () => {
    token = await deployToken(pub, (await viemClients()).wallet(9), { name: 'Bad Input Token', symbol: 'BIT', supply: parseEther('10') });
  });

  it('code 3, data = Error(string) (0x08c379a0...), message "execution reverted: <reason>"', async () => {
    const data = encodeFunctionData({ abi: token.abi, functionName: 'approve', args: ['0x0000000000000000000000000000000000000000', 1n] });
    const e = await callError('eth_call', [{ from: devAccount(9).address, to: token.address, data }, 'latest'], 3);
    expect(e.message).toBe('execution reverted: Token: approve to the zero address');
    expect(e.data).toBeTypeOf('string');
    expect((e.data as string).startsWith('0x08c379a0')).toBe(true);
  });

  it('eth_estimateGas of the same call: code 3 as well', async () => {
    const data = encodeFunctionData({ abi: token.abi, functionName: 'transfer', args: [freshAddress(), parseEther('11')] });
    const e = await callError('eth_estimateGas', [{ from: devAccount(9).address, to: token.address, data }], 3);
    expect(e.message).toBe('execution reverted: Token: insufficient balance');
    expect((e.data as string).startsWith('0x08c379a0')).toBe(true);
  });
});
