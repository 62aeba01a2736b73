import { secp256k1 } from '@noble/curves/secp256k1.js';

/**
 * Recovers an uncompressed (65-byte) public key from a message hash, the 64-byte r||s signature
 * and the recovery id. A port: noble-curves (pure JavaScript) serves everywhere; the Worker plugs
 * in libsecp256k1 compiled to WebAssembly (workers/crypto/secp256k1.ts), which is much cheaper.
 */
export type RecoverPublicKey = (msgHash: Uint8Array, signature: Uint8Array, recovery: number) => Uint8Array;

export const nobleRecover: RecoverPublicKey = (msgHash, signature, recovery) =>
  secp256k1.Signature.fromBytes(signature, 'compact').addRecoveryBit(recovery).recoverPublicKey(msgHash).toBytes(false);
