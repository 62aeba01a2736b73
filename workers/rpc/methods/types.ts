import type { RpcContext } from '../context.ts';

export type Handler = (params: unknown, c: RpcContext) => Promise<unknown>;
