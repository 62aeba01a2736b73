import { RpcError } from '../../../core/errors.ts';
import type { SubscriptionRequest } from '../context.ts';
import { bool, expectParams } from '../params.ts';
import { parseFilter } from './eth_getLogs.ts';
import type { Handler } from './types.ts';

/** Over HTTP there is nothing to notify on: geth's answer. */
export class NotificationsUnsupportedError extends RpcError {
  constructor() {
    super(-32601, 'notifications not supported');
  }
}

/** The subscription eth_subscribe's parameters ask for, as geth reads them. */
export function subscriptionRequest(params: unknown): SubscriptionRequest {
  const [name, options] = expectParams(params, 1, 2);
  switch (name) {
    case 'newHeads':
    case 'syncing':
      return { kind: name };
    case 'newPendingTransactions':
      return { kind: name, full: bool(options, 'fullTx') };
    case 'logs':
      return { kind: name, filter: parseFilter(options ?? {}).filter };
    default:
      throw new RpcError(-32601, `no ${String(JSON.stringify(name) ?? name).slice(0, 100)} subscription in eth namespace`);
  }
}

/**
 * eth_subscribe over a WebSocket: newHeads, logs (address and topics as eth_getLogs),
 * newPendingTransactions (hashes, or whole transactions with `true`) and syncing (never notified:
 * the sequencer does not sync). The hub holding the socket keeps the subscription (durable-objects/hub.ts).
 */
export const eth_subscribe: Handler = async (params, c) => {
  if (!c.socket) throw new NotificationsUnsupportedError();
  return c.socket.subscribe(subscriptionRequest(params));
};
