import { bytesToHex, type Hex } from 'viem';

/** Every word of the emitted data is (index + 1) times this, mod 2^256: distinct, non-zero words. */
export const WORD_FACTOR = 0x9e3779b97f4a7c15n;
const MOD = 1n << 256n;

/** The `size` bytes each log of the code below carries. */
export function bigLogData(size: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(size / 32) * 32);
  for (let j = 0; j * 32 < size; j++) {
    let w = ((BigInt(j) + 1n) * WORD_FACTOR) % MOD;
    for (let b = 31; b >= 0; b--) {
      out[j * 32 + b] = Number(w & 0xffn);
      w >>= 8n;
    }
  }
  return out.subarray(0, size);
}

const push = (n: number, bytes: number): string => (0x5f + bytes).toString(16) + n.toString(16).padStart(bytes * 2, '0');

/**
 * Creation code (no Solidity needed, so it also runs inside workerd) that fills `size` bytes of
 * memory with bigLogData's words, emits `count` LOG1s of them with topics 0..count-1, and deploys
 * nothing. A few logs of a few hundred KB cost far less gas than one huge log (memory expansion is
 * quadratic), which is how a transaction fits megabytes of logs in the block gas limit.
 */
export function bigLogsInitCode(count: number, size: number): Hex {
  if (size >= 2 ** 32 || count > 255) throw new Error('size must fit 4 bytes and count 1 byte');
  // [off] loop: if !(size > off) goto end; mem[off] = ((off >> 5) + 1) * F; off += 32
  const loop = 2;
  const head = `${push(0, 1)}5b80${push(size, 4)}1115${push(0, 2)}57`; // offsets patched below
  const body = `8080${push(5, 1)}1c${push(1, 1)}0167${WORD_FACTOR.toString(16).padStart(16, '0')}029052${push(32, 1)}01${push(loop, 2)}56`;
  const end = (head.length + body.length) / 2;
  let code = head.replace(/61000057$/, `${push(end, 2)}57`) + body;
  code += '5b50';
  for (let k = 0; k < count; k++) code += `${push(k, 1)}${push(size, 4)}${push(0, 1)}a1`;
  return `0x${code}00`;
}

export const bigLogDataHex = (size: number): Hex => bytesToHex(bigLogData(size));
