import { BaseError, ContractFunctionRevertedError, createPublicClient, ExecutionRevertedError, type Hex, http } from 'viem';
import { type L1Client, L1RevertError } from '../../core/settlement/l1Client.ts';

/** The revert data of a viem error that is the L1 refusing (a revert), or null when it is not one. */
function revertData(e: unknown): Hex | null {
  if (!(e instanceof BaseError)) return null;
  const withData = e.walk((x) => typeof (x as { data?: unknown }).data === 'string' && (x as { data: string }).data.startsWith('0x')) as { data?: Hex } | null;
  if (withData?.data) return withData.data;
  return e.walk((x) => x instanceof ContractFunctionRevertedError || x instanceof ExecutionRevertedError) ? '0x' : null;
}

/** Runs an L1 call that may revert: a revert becomes L1RevertError, other errors pass as they are. */
async function refusable<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const data = revertData(e);
    if (data === null) throw e;
    throw new L1RevertError(e instanceof BaseError ? e.shortMessage : String(e), data);
  }
}

/** The settlement's L1Client over JSON-RPC on HTTP (viem), as the Worker, scripts and tests use it. */
export function viemL1Client(url: string, opts: { timeoutMs?: number } = {}): L1Client {
  // cacheTime 0: viem caches eth_blockNumber for 4 s by default, and a stale head makes a mined
  // transaction look unconfirmed until the cache expires. No retries: the settler's runs retry.
  const client = createPublicClient({ transport: http(url, { retryCount: 0, timeout: opts.timeoutMs ?? 10_000 }), cacheTime: 0 });
  return {
    chainId: () => client.getChainId(),
    blockNumber: () => client.getBlockNumber(),
    async block(at) {
      const b = await (typeof at === 'bigint' ? client.getBlock({ blockNumber: at }) : client.getBlock({ blockTag: at })).catch((e) => {
        if (e instanceof BaseError && e.name === 'BlockNotFoundError') return null;
        throw e;
      });
      return b?.hash && b.number !== null ? { number: b.number, hash: b.hash } : null;
    },
    logs: ({ address, fromBlock, toBlock }) => client.getLogs({ address, fromBlock, toBlock }),
    call: ({ to, data }) => refusable(async () => (await client.call({ to, data })).data ?? '0x'),
    estimateGas: ({ from, to, data }) => refusable(() => client.estimateGas({ account: from, to, data })),
    async fees() {
      const f = await client.estimateFeesPerGas();
      return { maxFee: f.maxFeePerGas, tip: f.maxPriorityFeePerGas };
    },
    transactionCount: (address, blockTag) => client.getTransactionCount({ address, blockTag }),
    sendRawTransaction: (raw) => client.sendRawTransaction({ serializedTransaction: raw }),
    async receipt(hash) {
      const r = await client.getTransactionReceipt({ hash }).catch((e) => {
        if (e instanceof BaseError && e.name === 'TransactionReceiptNotFoundError') return null;
        throw e;
      });
      return r && { blockNumber: r.blockNumber, blockHash: r.blockHash, status: r.status, gasUsed: r.gasUsed };
    },
    async hasTransaction(hash) {
      return client.getTransaction({ hash }).then(
        () => true,
        (e) => {
          if (e instanceof BaseError && e.name === 'TransactionNotFoundError') return false;
          throw e;
        },
      );
    },
  };
}
