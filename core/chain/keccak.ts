import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, type Hex, hexToBytes } from './hex.ts';

export function keccak(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

export function keccakHex(data: Hex | Uint8Array): Hex {
  return bytesToHex(keccak_256(typeof data === 'string' ? hexToBytes(data) : data));
}
