/** Minimal JSON-RPC client for scripts and tests: one POST per call, errors thrown with their code. */
export class JsonRpcCallError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(`${message} (code ${code})`);
    this.code = code;
    this.data = data;
  }
}

export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string; data?: unknown } };
  if (body.error) throw new JsonRpcCallError(body.error.code, body.error.message, body.error.data);
  return body.result as T;
}

/** Polls `eth_chainId` until the endpoint answers or the deadline passes. */
export async function waitForRpc(url: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`process serving ${url} exited before it answered`);
    try {
      await rpc(url, 'eth_chainId');
      return;
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${url} did not answer eth_chainId within ${timeoutMs} ms: ${String(lastError)}`);
}
