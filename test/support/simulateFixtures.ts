import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RLP } from '@ethereumjs/rlp';
import { bytesToBigInt } from '@ethereumjs/util';
import { bytesToHex } from '../../core/chain/hex.ts';
import { keccak } from '../../core/chain/keccak.ts';

/** The execution-apis fixtures (CC0); override the folder with CONFORMANCE_TESTS. */
export const FIXTURES_DIR = process.env.CONFORMANCE_TESTS ?? '/work/shared/conformance/execution-apis-tests';

export interface IoFixture {
  file: string;
  comment: string;
  request: { method: string; params: unknown[] };
  expected: { result?: unknown; error?: { code: number; message: string } };
}

export function readIoFixtures(method: string): IoFixture[] {
  return readdirSync(join(FIXTURES_DIR, method))
    .filter((f) => f.endsWith('.io'))
    .sort()
    .map((f) => {
      const lines = readFileSync(join(FIXTURES_DIR, method, f), 'utf8').split('\n');
      const body = (prefix: string) => JSON.parse((lines.find((l) => l.startsWith(prefix)) as string).slice(2).trim());
      const comment = lines.filter((l) => l.startsWith('//')).join(' ');
      return { file: `${method}/${f}`, comment, request: body('>>'), expected: body('<<') };
    });
}

/** The head of the fixtures' chain (execution-apis-chain) and its timestamp: simulated blocks start after it. */
export const FIXTURE_HEAD = 0x36n;
export const FIXTURE_HEAD_TIME = 0x21cn;

type Json = Record<string, unknown>;

/**
 * A fixture's request moved onto our chain: block numbers (the block parameter and number
 * overrides) and timestamps (time overrides) keep their distance from the fixtures' head, so
 * order, gaps and errors stay what the fixture states. Everything else is the fixture's own.
 */
export function adaptRequest(params: unknown[], head: bigint, headTime: bigint): unknown[] {
  const shiftNumber = (h: string) => `0x${(BigInt(h) - FIXTURE_HEAD + head).toString(16)}`;
  const shiftTime = (h: string) => `0x${(BigInt(h) - FIXTURE_HEAD_TIME + headTime).toString(16)}`;
  const [opts, tag] = params as [Json, unknown];
  const blocks = ((opts?.blockStateCalls as Json[] | undefined) ?? []).map((b) => {
    const ov = b?.blockOverrides as Json | undefined;
    if (!ov) return b;
    const next: Json = { ...ov };
    if (typeof ov.number === 'string') next.number = shiftNumber(ov.number);
    if (typeof ov.time === 'string') next.time = shiftTime(ov.time);
    return { ...b, blockOverrides: next };
  });
  const adaptedTag = typeof tag === 'string' && tag.startsWith('0x') ? shiftNumber(tag) : tag;
  return [{ ...opts, blockStateCalls: blocks }, ...(params.length > 1 ? [adaptedTag] : [])];
}

/** Header fields that depend on the chain a block was simulated on: its base's hash and state, hence its own hash. */
export const CHAIN_FIELDS = ['hash', 'parentHash', 'stateRoot', 'number', 'timestamp'] as const;

/**
 * What a fixture's answer and ours must share: every field except those of CHAIN_FIELDS (numbers
 * and timestamps compared as distances from the base), the block hash inside logs and full
 * transactions (it follows the block hash), and block hashes a contract returned, which are
 * replaced by the number of the block they name (`hashes`: the answer's own blocks and base,
 * plus any ancestors the caller knows).
 */
export function comparable(result: unknown, base: bigint, baseTime: bigint, ancestors: Map<string, bigint> = new Map()): unknown {
  if (!Array.isArray(result)) return result;
  const hashes = new Map(ancestors);
  if (result.length > 0) hashes.set((result[0] as Json).parentHash as string, base);
  for (const b of result as Json[]) hashes.set(b.hash as string, BigInt(b.number as string));
  const words = (data: string) =>
    data.length > 2 && (data.length - 2) % 64 === 0
      ? (data.slice(2).match(/.{64}/g) as string[]).map((w) => {
          const n = hashes.get(`0x${w}`);
          return n === undefined ? w : `<hash of block ${n}>`;
        })
      : data;
  return result.map((b: Json) => {
    const out: Json = { ...b };
    for (const f of CHAIN_FIELDS) delete out[f];
    out.numberFromBase = (BigInt(b.number as string) - base).toString();
    out.timeFromBase = (BigInt(b.timestamp as string) - baseTime).toString();
    out.calls = (b.calls as Json[]).map((c) => ({
      ...c,
      returnData: words(c.returnData as string),
      logs: (c.logs as Json[]).map(({ blockHash, blockNumber, blockTimestamp, ...l }) => l),
    }));
    if (Array.isArray(b.transactions)) {
      out.transactions = (b.transactions as unknown[]).map((t) => (typeof t === 'object' && t !== null ? { ...(t as Json), blockHash: undefined } : t));
    }
    return out;
  });
}

/** Hashes of the fixtures' chain (execution-apis-chain/chain.rlp: blocks 1 to 54), by hash: the number. */
export function fixtureChainHashes(): Map<string, bigint> {
  let rest: Uint8Array = new Uint8Array(readFileSync(join(FIXTURES_DIR, '../execution-apis-chain/chain.rlp')));
  const out = new Map<string, bigint>();
  while (rest.length > 0) {
    const { data, remainder } = RLP.decode(rest, true) as unknown as { data: Uint8Array[][]; remainder: Uint8Array };
    const header = data[0];
    out.set(bytesToHex(keccak(RLP.encode(header))), bytesToBigInt(header[8] as unknown as Uint8Array));
    rest = remainder;
  }
  return out;
}
