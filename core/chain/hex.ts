import { hexToBytes as fromHexView, bytesToHex as toHexView } from '@ethereumjs/util';

export type Hex = `0x${string}`;

export const bytesToHex = (b: Uint8Array): Hex => toHexView(b) as Hex;
export const hexToBytes = (h: string): Uint8Array => fromHexView(h as Hex);

/** Minimal quantity encoding as JSON-RPC wants it: 0x0, 0x1a, never leading zeros. */
export const toQuantity = (n: bigint | number): Hex => `0x${n.toString(16)}` as Hex;

/** 32-byte zero-left-padded storage word from any byte string of at most 32 bytes. */
export function toWord(b: Uint8Array): Uint8Array {
  if (b.length === 32) return b;
  const out = new Uint8Array(32);
  out.set(b, 32 - b.length);
  return out;
}

export function lower(address: string): Hex {
  return address.toLowerCase() as Hex;
}

/** Big-endian hex to bigint; '0x' (empty) is zero. */
export const hexToBigInt = (h: string): bigint => (h === '0x' ? 0n : BigInt(h));

export const minBigInt = (a: bigint, b: bigint): bigint => (a < b ? a : b);
