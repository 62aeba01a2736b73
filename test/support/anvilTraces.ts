/**
 * Anvil's debug_traceTransaction output (callTracer, prestateTracer) turned into what current geth
 * prints, where anvil (revm-inspectors) departs from geth: for differential tests of our tracers
 * (core/tracing) against a real anvil. Each rule of ANVIL_DIFFERENCES is applied from independent
 * facts (the transaction, its receipt, anvil's state at the parent block), and ours is checked
 * against those facts where the rule drops what anvil cannot give.
 */

import { unpadBytes } from '@ethereumjs/util';
import { expect } from 'vitest';
import { bytesToHex, hexToBytes } from '../../core/chain/hex.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { materialize } from '../../core/execution/executeBlock.ts';
import type { AccountRecord, StateReader } from '../../core/state/types.ts';
import { checkRawTransaction } from '../../core/tx/decodeTransaction.ts';
import { rpc } from '../../scripts/lib/rpc.ts';

type Hex = `0x${string}`;
const CHAIN_ID = 31337n;

/** Where anvil's tracers depart from current geth's (eth/tracers/native), and so from ours. */
export const ANVIL_DIFFERENCES = {
  callTracerTopGas: "callTracer: the top frame's gas is the transaction's gas limit in geth, the gas left after intrinsic gas in anvil",
  callTracerTopGasUsed:
    "callTracer: the top frame's gasUsed is the transaction's (its receipt's gasUsed) in geth; anvil gives the block's cumulative gas used up to it, which differs after a block's first transaction",
  callTracerLogIndex: "callTracer withLog: a log's index counts the block's logs as its receipt does in geth; anvil counts logs of reverted frames too",
  callTracerTopCallPosition: "callTracer onlyTopCall+withLog: a log's position is 0 in geth (no subcalls recorded); anvil counts the unrecorded subcalls",
  prestateCodeHash: 'prestateTracer: geth prints codeHash beside code (and in diffMode post when the code changed); anvil has no codeHash',
  prestateEmpty:
    'prestateTracer: geth leaves out accounts that were empty before the transaction (created ones included) unless includeEmpty; anvil lists them',
};

interface Frame {
  gas: Hex;
  logs?: { address: Hex; topics: Hex[]; data: Hex; index?: Hex; position: Hex }[];
  calls?: Frame[];
}
type Account = { code?: Hex; codeHash?: Hex };

/** Anvil's state at block `tag`, as our execution reads state. */
export function anvilState(url: string, tag: Hex): StateReader {
  const codes = new Map<Hex, Uint8Array>();
  return {
    async account(address) {
      const [proof, code] = await Promise.all([
        rpc<{ balance: Hex; nonce: Hex; codeHash: Hex; storageHash: Hex }>(url, 'eth_getProof', [address, [], tag]),
        rpc<Hex>(url, 'eth_getCode', [address, tag]),
      ]);
      const record: AccountRecord = {
        nonce: BigInt(proof.nonce),
        balance: BigInt(proof.balance),
        codeHash: proof.codeHash.toLowerCase() as Hex,
        storageRoot: proof.storageHash,
      };
      if (record.nonce === 0n && record.balance === 0n && code === '0x') return undefined;
      codes.set(record.codeHash, hexToBytes(code));
      return record;
    },
    async storage(address, slot) {
      return bytesToHex(unpadBytes(hexToBytes(await rpc<Hex>(url, 'eth_getStorageAt', [address, slot, tag]))));
    },
    code: (codeHash) => codes.get(codeHash),
  };
}

const framesOf = (f: Frame): Frame[] => [f, ...(f.calls ?? []).flatMap(framesOf)];

/** Anvil's output as current geth would print it (ANVIL_DIFFERENCES), checking ours against the facts each rule rests on. */
export async function gethView(
  url: string,
  hash: Hex,
  tracer: string,
  tracerConfig: Record<string, unknown>,
  theirs: unknown,
  ours: unknown,
): Promise<unknown> {
  const tx = await rpc<{ blockNumber: Hex; gas: Hex }>(url, 'eth_getTransactionByHash', [hash]);
  if (tracer === 'callTracer') {
    const top = theirs as Frame;
    const raw = await rpc<Hex>(url, 'eth_getRawTransactionByHash', [hash]);
    const intrinsic = materialize(checkRawTransaction(raw, CHAIN_ID, 2n ** 63n), CHAIN_ID).getIntrinsicGas();
    expect(BigInt(top.gas) + intrinsic).toBe(BigInt(tx.gas));
    top.gas = tx.gas;
    const receipt = await rpc<{ gasUsed: Hex; cumulativeGasUsed: Hex }>(url, 'eth_getTransactionReceipt', [hash]);
    expect((top as Frame & { gasUsed: Hex }).gasUsed).toBe(receipt.cumulativeGasUsed);
    (top as Frame & { gasUsed: Hex }).gasUsed = receipt.gasUsed;
    if (tracerConfig.withLog) {
      // Every log we report is in the receipt, at the index the receipt gives it.
      const receipt = await rpc<{ logs: { address: Hex; topics: Hex[]; data: Hex; logIndex: Hex }[] }>(url, 'eth_getTransactionReceipt', [hash]);
      const reported = framesOf(ours as Frame)
        .flatMap((f) => f.logs ?? [])
        .sort((a, b) => Number(BigInt(a.index ?? 0) - BigInt(b.index ?? 0)));
      const expected = receipt.logs.map((l) => ({ address: l.address, topics: l.topics, data: l.data, index: l.logIndex }));
      if (tracerConfig.onlyTopCall) expect(expected).toEqual(expect.arrayContaining(reported.map(({ position: _, ...l }) => l)));
      else expect(reported.map(({ position: _, ...l }) => l)).toEqual(expected);
      for (const f of [...framesOf(top), ...framesOf(ours as Frame)]) {
        for (const l of f.logs ?? []) {
          delete l.index;
          if (tracerConfig.onlyTopCall) l.position = '0x0';
        }
      }
    }
    return theirs;
  }
  const parent = `0x${(BigInt(tx.blockNumber) - 1n).toString(16)}` as Hex;
  const before = anvilState(url, parent);
  const codeAt = (address: Hex, tag: Hex) => rpc<Hex>(url, 'eth_getCode', [address, tag]);
  const withGethFields = async (accounts: Record<Hex, Account>, tag: Hex, preSide: boolean) => {
    for (const [address, account] of Object.entries(accounts) as [Hex, Account][]) {
      if (preSide && !tracerConfig.includeEmpty && !(await before.account(address))) {
        delete accounts[address];
        continue;
      }
      const code = await codeAt(address, tag);
      const changed = preSide || code !== (await codeAt(address, parent));
      if (code !== '0x' && changed) account.codeHash = keccakHex(code);
      // geth's field order, so that printed diffs read alike.
      const { code: c, codeHash, ...rest } = account as Account & Record<string, unknown>;
      accounts[address] = { ...('balance' in rest ? { balance: rest.balance } : {}), ...(c ? { code: c } : {}), ...(codeHash ? { codeHash } : {}), ...rest };
    }
  };
  if (tracerConfig.diffMode) {
    const { pre, post } = theirs as { pre: Record<Hex, Account>; post: Record<Hex, Account> };
    await withGethFields(pre, parent, true);
    await withGethFields(post, tx.blockNumber, false);
  } else {
    await withGethFields(theirs as Record<Hex, Account>, parent, true);
  }
  return theirs;
}
