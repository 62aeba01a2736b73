import { debug_getRawBlock } from './debug_getRawBlock.ts';
import { debug_getRawHeader } from './debug_getRawHeader.ts';
import { debug_getRawReceipts } from './debug_getRawReceipts.ts';
import { debug_getRawTransaction } from './debug_getRawTransaction.ts';
import { debug_traceBlockByHash } from './debug_traceBlockByHash.ts';
import { debug_traceBlockByNumber } from './debug_traceBlockByNumber.ts';
import { debug_traceCall } from './debug_traceCall.ts';
import { debug_traceTransaction } from './debug_traceTransaction.ts';
import { eth_accounts } from './eth_accounts.ts';
import { eth_blockNumber } from './eth_blockNumber.ts';
import { eth_call } from './eth_call.ts';
import { eth_chainId } from './eth_chainId.ts';
import { eth_createAccessList } from './eth_createAccessList.ts';
import { eth_estimateGas } from './eth_estimateGas.ts';
import { eth_feeHistory } from './eth_feeHistory.ts';
import { eth_gasPrice } from './eth_gasPrice.ts';
import { eth_getBalance } from './eth_getBalance.ts';
import { eth_getBlockByHash } from './eth_getBlockByHash.ts';
import { eth_getBlockByNumber } from './eth_getBlockByNumber.ts';
import { eth_getBlockReceipts } from './eth_getBlockReceipts.ts';
import { eth_getBlockTransactionCountByHash } from './eth_getBlockTransactionCountByHash.ts';
import { eth_getBlockTransactionCountByNumber } from './eth_getBlockTransactionCountByNumber.ts';
import { eth_getCode } from './eth_getCode.ts';
import { eth_getFilterChanges } from './eth_getFilterChanges.ts';
import { eth_getFilterLogs } from './eth_getFilterLogs.ts';
import { eth_getLogs } from './eth_getLogs.ts';
import { eth_getProof } from './eth_getProof.ts';
import { eth_getRawTransactionByHash } from './eth_getRawTransactionByHash.ts';
import { eth_getStorageAt } from './eth_getStorageAt.ts';
import { eth_getTransactionByBlockHashAndIndex } from './eth_getTransactionByBlockHashAndIndex.ts';
import { eth_getTransactionByBlockNumberAndIndex } from './eth_getTransactionByBlockNumberAndIndex.ts';
import { eth_getTransactionByHash } from './eth_getTransactionByHash.ts';
import { eth_getTransactionCount } from './eth_getTransactionCount.ts';
import { eth_getTransactionReceipt } from './eth_getTransactionReceipt.ts';
import { eth_maxPriorityFeePerGas } from './eth_maxPriorityFeePerGas.ts';
import { eth_newBlockFilter } from './eth_newBlockFilter.ts';
import { eth_newFilter } from './eth_newFilter.ts';
import { eth_newPendingTransactionFilter } from './eth_newPendingTransactionFilter.ts';
import { eth_sendRawTransaction } from './eth_sendRawTransaction.ts';
import { eth_sendRawTransactionSync } from './eth_sendRawTransactionSync.ts';
import { eth_simulateV1 } from './eth_simulateV1.ts';
import { eth_subscribe } from './eth_subscribe.ts';
import { eth_syncing } from './eth_syncing.ts';
import { eth_uninstallFilter } from './eth_uninstallFilter.ts';
import { eth_unsubscribe } from './eth_unsubscribe.ts';
import { net_listening } from './net_listening.ts';
import { net_version } from './net_version.ts';
import { rollup_getDeposit } from './rollup_getDeposit.ts';
import { rollup_getTransactionStatus } from './rollup_getTransactionStatus.ts';
import { rollup_getWithdrawalProof } from './rollup_getWithdrawalProof.ts';
import { txpool_content } from './txpool_content.ts';
import { txpool_contentFrom } from './txpool_contentFrom.ts';
import { txpool_inspect } from './txpool_inspect.ts';
import { txpool_status } from './txpool_status.ts';
import type { Handler } from './types.ts';
import { web3_clientVersion } from './web3_clientVersion.ts';

/** Every method the endpoint answers; anything else is -32601. */
export const methods: Record<string, Handler> = {
  debug_getRawBlock,
  debug_getRawHeader,
  debug_getRawReceipts,
  debug_getRawTransaction,
  debug_traceBlockByHash,
  debug_traceBlockByNumber,
  debug_traceCall,
  debug_traceTransaction,
  eth_getRawTransactionByHash,
  txpool_content,
  txpool_contentFrom,
  txpool_inspect,
  txpool_status,
  eth_accounts,
  eth_blockNumber,
  eth_call,
  eth_chainId,
  eth_createAccessList,
  eth_estimateGas,
  eth_feeHistory,
  eth_gasPrice,
  eth_getBalance,
  eth_getBlockByHash,
  eth_getBlockByNumber,
  eth_getBlockReceipts,
  eth_getBlockTransactionCountByHash,
  eth_getBlockTransactionCountByNumber,
  eth_getCode,
  eth_getLogs,
  eth_getProof,
  eth_getStorageAt,
  eth_getTransactionByBlockHashAndIndex,
  eth_getTransactionByBlockNumberAndIndex,
  eth_getTransactionByHash,
  eth_getTransactionCount,
  eth_getTransactionReceipt,
  eth_maxPriorityFeePerGas,
  eth_sendRawTransaction,
  eth_sendRawTransactionSync,
  eth_simulateV1,
  eth_syncing,
  net_listening,
  net_version,
  rollup_getDeposit,
  rollup_getTransactionStatus,
  rollup_getWithdrawalProof,
  eth_getFilterChanges,
  eth_getFilterLogs,
  eth_newBlockFilter,
  eth_newFilter,
  eth_newPendingTransactionFilter,
  eth_subscribe,
  eth_uninstallFilter,
  eth_unsubscribe,
  web3_clientVersion,
};
