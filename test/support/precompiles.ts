/**
 * Inputs for every precompile of the Prague rules (0x01-0x11): valid ones and invalid ones for
 * each, encoded as the EIPs define them, for the differential test against anvil
 * (test/l1/precompiles.test.ts) and the precompile benchmark (scripts/bench/precompiles.ts).
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { bn254 } from '@noble/curves/bn254.js';
import { sign } from 'viem/accounts';
import type { Hex } from '../../core/chain/hex.ts';
import { keccakHex } from '../../core/chain/keccak.ts';
import { devKey } from './accounts.ts';
import { BLS_MODULUS, blobOf, pointEvaluation, pointEvaluationInput, versionedHash } from './kzg.ts';

export const hex = (n: bigint, bytes: number): string => n.toString(16).padStart(bytes * 2, '0');
export const cat = (...parts: string[]): Hex => `0x${parts.map((p) => p.replace(/^0x/, '')).join('')}`;
export const address = (n: number): Hex => `0x${hex(BigInt(n), 20)}`;

// BN254 (EIP-196/197): 32-byte coordinates; a G2 coordinate is written imaginary part first.
export const bnG1 = (p: typeof bn254.G1.Point.BASE) => {
  const { x, y } = p.toAffine();
  return hex(x, 32) + hex(y, 32);
};
export const bnG2 = (p: typeof bn254.G2.Point.BASE) => {
  const { x, y } = p.toAffine();
  return hex(x.c1, 32) + hex(x.c0, 32) + hex(y.c1, 32) + hex(y.c0, 32);
};

// BLS12-381 (EIP-2537): a base-field element in 64 bytes; Fp2 as c0 then c1; a scalar in 32 bytes.
const { G1, G2 } = bls12_381;
const { Fp } = bls12_381.fields;
export const fp = (n: bigint) => hex(n, 64);
export const blsG1 = (p: typeof G1.Point.BASE) => {
  const { x, y } = p.toAffine();
  return fp(x) + fp(y);
};
export const blsG2 = (p: typeof G2.Point.BASE) => {
  const { x, y } = p.toAffine();
  return fp(x.c0) + fp(x.c1) + fp(y.c0) + fp(y.c1);
};
/** A point on the G1 curve outside the prime-order subgroup: valid for addition, refused by MSM and pairing. */
function blsG1OutsideSubgroup(): string {
  for (let x = 1n; ; x++) {
    let y: bigint;
    try {
      y = Fp.sqrt(Fp.add(Fp.pow(x, 3n), 4n));
    } catch {
      continue;
    }
    if (!G1.Point.fromAffine({ x, y }).isTorsionFree()) return fp(x) + fp(y);
  }
}

/** EIP-152's input: rounds, state h, message block m, offset counters t, final flag f. */
export function blake2fInput(rounds: number, message: Uint8Array, final: number): Hex {
  const iv = [
    0x6a09e667f3bcc908n,
    0xbb67ae8584caa73bn,
    0x3c6ef372fe94f82bn,
    0xa54ff53a5f1d36f1n,
    0x510e527fade682d1n,
    0x9b05688c2b3e6c1fn,
    0x1f83d9abfb41bd6bn,
    0x5be0cd19137e2179n,
  ];
  iv[0] ^= 0x01010040n; // parameter block: 64-byte digest, no key, fanout 1, depth 1
  const le = (n: bigint, bytes: number) => Buffer.from(hex(n, bytes), 'hex').reverse().toString('hex');
  const m = Buffer.alloc(128);
  m.set(message);
  return cat(hex(BigInt(rounds), 4), ...iv.map((w) => le(w, 8)), m.toString('hex'), le(BigInt(message.length), 16), hex(BigInt(final), 1));
}

export interface Case {
  name: string;
  to: Hex;
  input: Hex;
  /** Whether the precompile succeeds (with the gas the probe forwards). */
  ok: boolean;
  /** Gas the probe forwards to the precompile. */
  gas?: bigint;
}

export const DIGEST = keccakHex(new TextEncoder().encode('a message'));
export const ABC = new TextEncoder().encode('abc');

/** Every case, with at least one valid and one invalid input per precompile. */
export async function precompileCases(): Promise<Case[]> {
  const sig = await sign({ hash: DIGEST, privateKey: devKey(3) });
  const v = hex(sig.v ?? 0n, 32);
  const rs = cat(sig.r, sig.s);
  const P = bn254.G1.Point.BASE.multiply(7n);
  const Q = bn254.G2.Point.BASE.multiply(11n);
  const A = G1.Point.BASE.multiply(5n);
  const B = G2.Point.BASE.multiply(13n);
  const opening = pointEvaluation(blobOf(7n), 0xabcdefn);
  const evaluation = pointEvaluationInput(opening);
  const zeroBlob = pointEvaluation(`0x${'00'.repeat(4096 * 32)}`, 5n);
  const offCurveBls = fp(1n) + fp(1n);
  const outside = blsG1OutsideSubgroup();
  const p = Fp.ORDER;
  const modexp = (base: bigint, exp: bigint, mod: bigint, lens = [32n, 32n, 32n]) =>
    cat(hex(lens[0], 32), hex(lens[1], 32), hex(lens[2], 32), hex(base, Number(lens[0])), hex(exp, Number(lens[1])), hex(mod, Number(lens[2])));
  const secpP = 2n ** 256n - 2n ** 32n - 977n;
  return [
    // ecrecover: a signature that recovers nothing is no failure, it returns nothing.
    { name: 'ecrecover of a valid signature', to: address(1), input: cat(DIGEST, v, rs), ok: true },
    { name: 'ecrecover with v = 29', to: address(1), input: cat(DIGEST, hex(29n, 32), rs), ok: true },
    { name: 'ecrecover with r = 0', to: address(1), input: cat(DIGEST, v, hex(0n, 32), sig.s), ok: true },
    { name: 'ecrecover with 2,999 gas', to: address(1), input: cat(DIGEST, v, rs), ok: false, gas: 2_999n },
    { name: 'sha256 of bytes', to: address(2), input: cat(Buffer.from('the quick brown fox').toString('hex')), ok: true },
    { name: 'sha256 of nothing', to: address(2), input: '0x', ok: true },
    { name: 'sha256 with too little gas', to: address(2), input: cat('ff'.repeat(1000)), ok: false, gas: 300n },
    { name: 'ripemd160 of bytes', to: address(3), input: cat('00ff'.repeat(100)), ok: true },
    { name: 'ripemd160 with too little gas', to: address(3), input: cat('01'.repeat(64)), ok: false, gas: 700n },
    { name: 'identity of bytes', to: address(4), input: cat('0123456789abcdef'.repeat(40)), ok: true },
    { name: 'identity with too little gas', to: address(4), input: cat('aa'.repeat(320)), ok: false, gas: 20n },
    { name: 'modexp 3^(p-2) mod p', to: address(5), input: modexp(3n, secpP - 2n, secpP), ok: true },
    { name: 'modexp with modulus 0', to: address(5), input: modexp(3n, 5n, 0n), ok: true },
    { name: 'modexp with a short input, zero-padded', to: address(5), input: cat(hex(1n, 32), hex(1n, 32), hex(1n, 32), '0302'), ok: true },
    { name: 'modexp priced past the gas given', to: address(5), input: modexp(2n, 2n ** 255n, 2n ** 255n + 1n, [32n, 32n, 32n]), ok: false, gas: 200n },
    { name: 'bn254 add', to: address(6), input: cat(bnG1(P), bnG1(bn254.G1.Point.BASE)), ok: true },
    { name: 'bn254 add of nothing (infinity)', to: address(6), input: '0x', ok: true },
    { name: 'bn254 add of a point off the curve', to: address(6), input: cat(hex(1n, 32), hex(3n, 32), bnG1(P)), ok: false },
    { name: 'bn254 mul', to: address(7), input: cat(bnG1(P), hex(0x1234567890n, 32)), ok: true },
    { name: 'bn254 mul of a point off the curve', to: address(7), input: cat(hex(1n, 32), hex(3n, 32), hex(2n, 32)), ok: false },
    { name: 'bn254 pairing e(P,Q) e(-P,Q) = 1', to: address(8), input: cat(bnG1(P), bnG2(Q), bnG1(P.negate()), bnG2(Q)), ok: true },
    { name: 'bn254 pairing e(P,Q) != 1', to: address(8), input: cat(bnG1(P), bnG2(Q)), ok: true },
    { name: 'bn254 pairing of nothing', to: address(8), input: '0x', ok: true },
    { name: 'bn254 pairing of a length not a multiple of 192', to: address(8), input: cat(bnG1(P), bnG2(Q)).slice(0, -2) as Hex, ok: false },
    { name: 'blake2f, 12 rounds of "abc" (EIP-152)', to: address(9), input: blake2fInput(12, ABC, 1), ok: true },
    { name: 'blake2f, 0 rounds', to: address(9), input: blake2fInput(0, ABC, 1), ok: true },
    { name: 'blake2f with a final flag of 2', to: address(9), input: blake2fInput(12, ABC, 2), ok: false },
    { name: 'blake2f of 212 bytes', to: address(9), input: blake2fInput(12, ABC, 1).slice(0, -2) as Hex, ok: false },
    { name: 'point evaluation of a valid opening', to: address(10), input: evaluation, ok: true },
    { name: 'point evaluation of the zero blob (commitment at infinity)', to: address(10), input: pointEvaluationInput(zeroBlob), ok: true },
    {
      name: 'point evaluation with a wrong y',
      to: address(10),
      input: pointEvaluationInput({ ...opening, y: `0x${hex((BigInt(opening.y) + 1n) % BLS_MODULUS, 32)}` }),
      ok: false,
    },
    {
      name: 'point evaluation with z not below the modulus',
      to: address(10),
      input: pointEvaluationInput({ ...opening, z: `0x${hex(BLS_MODULUS, 32)}` }),
      ok: false,
    },
    {
      name: 'point evaluation with a versioned hash of another commitment',
      to: address(10),
      input: cat(zeroBlob.versionedHash, evaluation.slice(66)),
      ok: false,
    },
    { name: 'point evaluation with version byte 2', to: address(10), input: cat('02', evaluation.slice(4)), ok: false },
    {
      name: 'point evaluation of a commitment that is not a point',
      to: address(10),
      input: pointEvaluationInput({ ...opening, commitment: `0x${'ab'.repeat(48)}`, versionedHash: versionedHash(`0x${'ab'.repeat(48)}`) }),
      ok: false,
    },
    { name: 'point evaluation of 191 bytes', to: address(10), input: evaluation.slice(0, -2) as Hex, ok: false },
    { name: 'point evaluation with 49,999 gas', to: address(10), input: evaluation, ok: false, gas: 49_999n },
    { name: 'bls12 g1add', to: address(0x0b), input: cat(blsG1(A), blsG1(G1.Point.BASE)), ok: true },
    { name: 'bls12 g1add of a point outside the subgroup (no subgroup check)', to: address(0x0b), input: cat(outside, blsG1(A)), ok: true },
    { name: 'bls12 g1add of a point off the curve', to: address(0x0b), input: cat(offCurveBls, blsG1(A)), ok: false },
    { name: 'bls12 g1add of a coordinate not below p', to: address(0x0b), input: cat(fp(p), fp(0n), blsG1(A)), ok: false },
    { name: 'bls12 g1msm, one pair', to: address(0x0c), input: cat(blsG1(A), hex(99n, 32)), ok: true },
    {
      name: 'bls12 g1msm, three pairs',
      to: address(0x0c),
      input: cat(blsG1(A), hex(1n, 32), blsG1(G1.Point.BASE), hex(2n ** 255n, 32), blsG1(A), hex(0n, 32)),
      ok: true,
    },
    { name: 'bls12 g1msm of a point outside the subgroup', to: address(0x0c), input: cat(outside, hex(3n, 32)), ok: false },
    { name: 'bls12 g1msm of nothing', to: address(0x0c), input: '0x', ok: false },
    { name: 'bls12 g2add', to: address(0x0d), input: cat(blsG2(B), blsG2(G2.Point.BASE)), ok: true },
    { name: 'bls12 g2add of a point off the curve', to: address(0x0d), input: cat(fp(1n), fp(0n), fp(1n), fp(0n), blsG2(B)), ok: false },
    { name: 'bls12 g2msm, two pairs', to: address(0x0e), input: cat(blsG2(B), hex(5n, 32), blsG2(G2.Point.BASE), hex(7n, 32)), ok: true },
    { name: 'bls12 g2msm of a truncated pair', to: address(0x0e), input: cat(blsG2(B), hex(5n, 31)), ok: false },
    { name: 'bls12 pairing e(A,B) e(-A,B) = 1', to: address(0x0f), input: cat(blsG1(A), blsG2(B), blsG1(A.negate()), blsG2(B)), ok: true },
    { name: 'bls12 pairing e(A,B) != 1', to: address(0x0f), input: cat(blsG1(A), blsG2(B)), ok: true },
    { name: 'bls12 pairing of a point outside the subgroup', to: address(0x0f), input: cat(outside, blsG2(B)), ok: false },
    { name: 'bls12 pairing of nothing', to: address(0x0f), input: '0x', ok: false },
    { name: 'bls12 map fp to g1', to: address(0x10), input: cat(fp(0x1234567890abcdefn)), ok: true },
    { name: 'bls12 map fp to g1 of an element not below p', to: address(0x10), input: cat(fp(p + 1n)), ok: false },
    { name: 'bls12 map fp2 to g2', to: address(0x11), input: cat(fp(3n), fp(0xfeedn)), ok: true },
    { name: 'bls12 map fp2 to g2 of 127 bytes', to: address(0x11), input: cat(fp(3n), fp(0xfeedn)).slice(0, -2) as Hex, ok: false },
    // Osaka's P256VERIFY is not a precompile in Prague: both answer as an empty account.
    { name: 'no precompile at 0x100 (P256VERIFY is Osaka)', to: address(0x100), input: cat('00'.repeat(160)), ok: true },
  ];
}
