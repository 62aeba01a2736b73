import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { type ChainConfig, parseChainConfig } from '../../core/chain/config.ts';
import { LimitExceededError, toErrorObject } from '../../core/errors.ts';
import type { Env } from '../env.ts';
import { RpcContext } from './context.ts';
import { dispatch } from './dispatch.ts';
import { CLIENT_VERSION } from './methods/web3_clientVersion.ts';

/** Largest request body accepted, as geth's HTTP server: 5 MiB. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

const configs = new WeakMap<Env, ChainConfig>();
export function chainConfig(env: Env): ChainConfig {
  let c = configs.get(env);
  if (!c) {
    c = parseChainConfig(env);
    configs.set(env, c);
  }
  return c;
}

/** The JSON-RPC endpoint: POST / (and any path, as some clients append one), CORS for wallets. */
export const app = new Hono<{ Bindings: Env }>();

app.use('*', cors({ origin: '*', allowMethods: ['POST', 'GET', 'OPTIONS'], allowHeaders: ['Content-Type', 'Authorization'], maxAge: 86400 }));

app.get('/status', async (c) => {
  const stub = new RpcContext(c.env, chainConfig(c.env));
  const [sequencer, indexedHead] = await Promise.all([stub.sequencer.status(), stub.index.indexedHead()]);
  return c.json({ client: CLIENT_VERSION, chainId: chainConfig(c.env).chainId.toString(), ...sequencer, head: sequencer.head.toString(), indexedHead });
});

app.get('/', (c) => c.text(`${CLIENT_VERSION}: JSON-RPC over HTTP POST on this URL\n`));

app.post('*', async (c) => {
  const declared = Number(c.req.header('content-length') ?? 0);
  const tooLarge = () =>
    c.json({ jsonrpc: '2.0', id: null, error: toErrorObject(new LimitExceededError(`request body too large: limit ${MAX_BODY_BYTES} bytes`)) }, 413);
  if (declared > MAX_BODY_BYTES) return tooLarge();
  const body = await c.req.text();
  if (body.length > MAX_BODY_BYTES) return tooLarge();
  const result = await dispatch(body, new RpcContext(c.env, chainConfig(c.env)));
  if (result === null) return c.body(null, 204);
  return c.json(result);
});
