import { RLP } from '@ethereumjs/rlp';
import { bigIntToUnpaddedBytes, bytesToBigInt } from '@ethereumjs/util';
import { bytesToHex, type Hex, hexToBigInt, hexToBytes } from './hex.ts';
import { keccak } from './keccak.ts';
import type { RpcBlockHeader } from './types.ts';

/** The fields of a header (Prague rules) in RLP order, as sealHeader (format.ts) hashes them. */
const FIELDS = 21;

/**
 * A stored header's RLP encoding: keccak256 of it is the block hash. The same bytes EthereumJS's
 * `header.serialize()` gives for the header sealHeader built (a test holds them equal), made from
 * the JSON the sequencer keeps without building an EthereumJS header.
 */
export function encodeHeader(h: RpcBlockHeader): Uint8Array {
  const int = (q: Hex) => bigIntToUnpaddedBytes(hexToBigInt(q));
  return RLP.encode([
    hexToBytes(h.parentHash),
    hexToBytes(h.sha3Uncles),
    hexToBytes(h.miner),
    hexToBytes(h.stateRoot),
    hexToBytes(h.transactionsRoot),
    hexToBytes(h.receiptsRoot),
    hexToBytes(h.logsBloom),
    int(h.difficulty),
    int(h.number),
    int(h.gasLimit),
    int(h.gasUsed),
    int(h.timestamp),
    hexToBytes(h.extraData),
    hexToBytes(h.mixHash),
    hexToBytes(h.nonce),
    int(h.baseFeePerGas),
    hexToBytes(h.withdrawalsRoot),
    int(h.blobGasUsed),
    int(h.excessBlobGas),
    hexToBytes(h.parentBeaconBlockRoot),
    hexToBytes(h.requestsHash),
  ]);
}

/** What the prover reads from an ancestor's header; `hash` is keccak256 of the bytes it came from. */
export interface ChainHeader {
  hash: Hex;
  parentHash: Hex;
  number: bigint;
  stateRoot: Hex;
  gasLimit: bigint;
  gasUsed: bigint;
  timestamp: bigint;
  baseFeePerGas: bigint;
}

export class HeaderFormatError extends Error {
  override name = 'HeaderFormatError';
}

/** Decodes a header's RLP (refusing any other shape) and hashes it. */
export function decodeHeader(bytes: Uint8Array): ChainHeader {
  let fields: unknown;
  try {
    fields = RLP.decode(bytes);
  } catch (e) {
    throw new HeaderFormatError(`a header is not valid RLP: ${(e as Error).message}`);
  }
  if (!Array.isArray(fields) || fields.length !== FIELDS || !fields.every((f) => f instanceof Uint8Array))
    throw new HeaderFormatError(`a header is not a list of ${FIELDS} byte strings`);
  const f = fields as Uint8Array[];
  const hash32 = (i: number) => {
    if (f[i].length !== 32) throw new HeaderFormatError(`a header's field ${i} is not 32 bytes`);
    return bytesToHex(f[i]);
  };
  return {
    hash: bytesToHex(keccak(bytes)),
    parentHash: hash32(0),
    stateRoot: hash32(3),
    number: bytesToBigInt(f[8]),
    gasLimit: bytesToBigInt(f[9]),
    gasUsed: bytesToBigInt(f[10]),
    timestamp: bytesToBigInt(f[11]),
    baseFeePerGas: bytesToBigInt(f[15]),
  };
}
