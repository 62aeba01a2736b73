/**
 * debug_trace* inside workerd: a block's trace blob is read from the sequencer's outbox before the
 * flush and from R2 after it; a block whose blob is gone from R2 answers -32000 "historical state
 * not available", as geth answers for pruned state.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sequencerStub } from '../../workers/env.ts';
import { call, result, signedTransfer } from './rpc.ts';

const TRANSFER_TRACE = { gas: 21000, failed: false, returnValue: '0x', structLogs: [] };

describe('debug_trace* in workerd', () => {
  it('traces from the outbox, then from R2, and answers -32000 once the blob is gone', async () => {
    const sequencer = sequencerStub(env);
    const receipt = await result<{ transactionHash: string; blockNumber: string; blockHash: string }>('eth_sendRawTransactionSync', [
      await signedTransfer(5, 0),
    ]);
    const block = Number(BigInt(receipt.blockNumber));
    // Before or after the outbox's own flush, whichever comes first: the trace is found.
    expect(await result('debug_traceTransaction', [receipt.transactionHash])).toEqual(TRANSFER_TRACE);

    await sequencer.flushOutbox();
    expect(await sequencer.traceBlob(block)).toBeNull();
    expect(await result('debug_traceTransaction', [receipt.transactionHash])).toEqual(TRANSFER_TRACE);
    expect(await result('debug_traceBlockByNumber', [receipt.blockNumber])).toEqual([{ txHash: receipt.transactionHash, result: TRANSFER_TRACE }]);

    const listed = await env.TRACES.list({ prefix: 'traces/v1/31337/' });
    const key = listed.objects.map((o) => o.key).find((k) => k.endsWith(`-${receipt.blockHash}.bin`));
    expect(key).toBeDefined();
    await env.TRACES.delete(key as string);
    const gone = await call('debug_traceTransaction', [receipt.transactionHash]);
    expect(gone.error?.code).toBe(-32000);
    expect(gone.error?.message).toMatch(/^historical state not available/);
    expect((await call('debug_traceBlockByHash', [receipt.blockHash])).error?.code).toBe(-32000);
  });
});
