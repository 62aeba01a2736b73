import { concatBytes } from '@ethereumjs/util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, type Hex, hexToBytes } from '../chain/hex.ts';
import { keccak } from '../chain/keccak.ts';

/**
 * The signatures of the proving pipeline (block proofs and aggregated batch proofs): 65-byte
 * r || s || v (v = 27 or 28, low s) over a raw 32-byte digest, as Solidity's ecrecover takes them.
 */
export function signDigest(digest: Hex, privateKey: Hex): Hex {
  const sig = secp256k1.sign(hexToBytes(digest), hexToBytes(privateKey), { prehash: false, format: 'recovered' });
  // noble's recovered format is recovery || r || s; Ethereum wants r || s || (27 + recovery).
  return bytesToHex(concatBytes(sig.subarray(1, 65), new Uint8Array([27 + sig[0]])));
}

/** The address that signed `digest`, as ecrecover on L1 finds it. */
export function signerOf(digest: Hex, signature: Hex): Hex {
  const sig = hexToBytes(signature);
  const recovered = concatBytes(new Uint8Array([sig[64] - 27]), sig.subarray(0, 64));
  const pub = secp256k1.recoverPublicKey(recovered, hexToBytes(digest), { prehash: false });
  return addressOfPublicKey(secp256k1.Point.fromBytes(pub).toBytes(false));
}

/** The address of a private key. */
export function addressOf(privateKey: Hex): Hex {
  return addressOfPublicKey(secp256k1.getPublicKey(hexToBytes(privateKey), false));
}

function addressOfPublicKey(uncompressed: Uint8Array): Hex {
  return bytesToHex(keccak(uncompressed.slice(1)).slice(12));
}
