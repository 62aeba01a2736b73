import { exports } from 'cloudflare:workers';
import { parseEther } from 'viem';
import { devAccount } from '../support/accounts.ts';

/** One JSON-RPC call through the Worker's own fetch handler, inside workerd. */
export async function call<T = unknown>(
  method: string,
  params: unknown[] = [],
): Promise<{ result?: T; error?: { code: number; message: string; data?: string } }> {
  const res = await exports.default.fetch('http://chain/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return res.json();
}

export async function result<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
  const r = await call<T>(method, params);
  if (r.error) throw new Error(`${method}: ${r.error.message} (${r.error.code})`);
  return r.result as T;
}

/** A signed 1-gwei-tip EIP-1559 transfer from development account `from`. */
export function signedTransfer(from: number, nonce: number, to: `0x${string}` = '0x000000000000000000000000000000000000dead') {
  return devAccount(from).signTransaction({
    chainId: 31337,
    type: 'eip1559',
    to,
    value: parseEther('0.001'),
    nonce,
    gas: 21_000n,
    maxFeePerGas: 3_000_000_000n,
    maxPriorityFeePerGas: 1_000_000n,
  });
}

export async function waitForReceipt(hash: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await result<Record<string, unknown> | null>('eth_getTransactionReceipt', [hash]);
    if (r) return r;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no receipt for ${hash} within ${timeoutMs} ms`);
}
