import { expectParams } from '../params.ts';
import { NotificationsUnsupportedError } from './eth_subscribe.ts';
import type { Handler } from './types.ts';

/** Ends a subscription of this socket: true, or -32000 "subscription not found" (as geth). */
export const eth_unsubscribe: Handler = async (params, c) => {
  if (!c.socket) throw new NotificationsUnsupportedError();
  const [id] = expectParams(params, 1, 1);
  return c.socket.unsubscribe(String(id) as `0x${string}`);
};
