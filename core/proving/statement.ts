import { bigIntToBytes, concatBytes, setLengthLeft } from '@ethereumjs/util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';
import { keccak, keccakHex } from '../chain/keccak.ts';
import type { Reexecution } from './reexecute.ts';

/** Domain and version of block statements; part of what is signed. */
export const BLOCK_STATEMENT_VERSION = 1;
const DOMAIN = 'edge-rollup block proof';

/** What a prover attests for one block after re-executing it from its trace. */
export interface BlockStatement {
  chainId: bigint;
  blockNumber: bigint;
  blockHash: Hex;
  preStateRoot: Hex;
  postStateRoot: Hex;
  receiptsRoot: Hex;
  traceHash: Hex;
}

export interface BlockProof {
  statement: BlockStatement;
  /** keccak of the statement's encoding: the digest signed. */
  digest: Hex;
  /** 65-byte r || s || v (v = 27 or 28), as Solidity's ecrecover takes it. */
  signature: Hex;
  prover: Hex;
}

const word = (n: bigint) => setLengthLeft(bigIntToBytes(n), 32);

/**
 * keccak256(domain || version || chainId || number || blockHash || preStateRoot || postStateRoot ||
 * receiptsRoot || traceHash), each field 32 bytes: what the L1 verifier recomputes and checks
 * signatures against.
 */
export function statementDigest(s: BlockStatement): Hex {
  return bytesToHex(
    keccak(
      concatBytes(
        keccak(new TextEncoder().encode(DOMAIN)),
        word(BigInt(BLOCK_STATEMENT_VERSION)),
        word(s.chainId),
        word(s.blockNumber),
        hexToBytes(s.blockHash),
        hexToBytes(s.preStateRoot),
        hexToBytes(s.postStateRoot),
        hexToBytes(s.receiptsRoot),
        hexToBytes(s.traceHash),
      ),
    ),
  );
}

export function proverAddress(privateKey: Hex): Hex {
  return bytesToHex(keccak(secp256k1.getPublicKey(hexToBytes(privateKey), false).slice(1)).slice(12));
}

export function statementFor(chainId: bigint, blockNumber: bigint, preStateRoot: Hex, result: Reexecution, traceBytes: Uint8Array): BlockStatement {
  return {
    chainId,
    blockNumber,
    blockHash: result.blockHash,
    preStateRoot,
    postStateRoot: result.stateRoot,
    receiptsRoot: result.receiptsRoot,
    traceHash: keccakHex(traceBytes),
  };
}

export function signStatement(statement: BlockStatement, privateKey: Hex): BlockProof {
  const digest = statementDigest(statement);
  const sig = secp256k1.sign(hexToBytes(digest), hexToBytes(privateKey), { prehash: false, format: 'recovered' });
  // noble's recovered format is recovery || r || s; Ethereum wants r || s || (27 + recovery).
  const signature = concatBytes(sig.subarray(1, 65), new Uint8Array([27 + sig[0]]));
  return { statement, digest, signature: bytesToHex(signature), prover: proverAddress(privateKey) };
}

/** The address that signed a proof's digest, as ecrecover on L1 would find it. */
export function recoverProver(proof: Pick<BlockProof, 'digest' | 'signature'>): Hex {
  const sig = hexToBytes(proof.signature);
  const recovered = concatBytes(new Uint8Array([sig[64] - 27]), sig.subarray(0, 64));
  const pub = secp256k1.recoverPublicKey(recovered, hexToBytes(proof.digest), { prehash: false });
  return bytesToHex(keccak(secp256k1.Point.fromBytes(pub).toBytes(false).slice(1)).slice(12));
}
