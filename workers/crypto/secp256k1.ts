// The module itself, not the package's index, which instantiates its other WebAssembly at import.

import type { Secp256k1 } from '@bitauth/libauth';
import { instantiateSecp256k1Bytes } from '@bitauth/libauth/build/lib/crypto/secp256k1.js';
import type { RecoverPublicKey } from '../../core/tx/recover.ts';
// workerd refuses to compile WebAssembly from bytes at run time: the module must be imported,
// which the bundler turns into a precompiled WebAssembly.Module. The package does not export the
// file, hence the path into node_modules.
import secp256k1Wasm from '../../node_modules/@bitauth/libauth/build/lib/bin/secp256k1/secp256k1.wasm';

let api: Secp256k1 | undefined;

/**
 * libsecp256k1 (WebAssembly, as built by libauth) recovery for the edge and the prover; it
 * recovers in less than half the time of the build used before (docs/decisions/0004). The
 * package's loader expects `WebAssembly.instantiate(bytes)` to answer `{ instance }`; given a
 * compiled module the runtime answers the instance itself, so the call is adapted for the
 * duration of the load.
 */
async function load(): Promise<Secp256k1> {
  const instantiate = WebAssembly.instantiate;
  const adapted = ((source: WebAssembly.Module, imports?: WebAssembly.Imports) =>
    instantiate(source, imports).then((instance) => ({ instance, module: source }))) as unknown as typeof WebAssembly.instantiate;
  WebAssembly.instantiate = adapted;
  try {
    return await instantiateSecp256k1Bytes(secp256k1Wasm as unknown as ArrayBuffer);
  } finally {
    WebAssembly.instantiate = instantiate;
  }
}

/** The recovery function for this isolate; loads the WebAssembly once. */
export async function wasmRecover(): Promise<RecoverPublicKey> {
  api ??= await load();
  const loaded = api;
  return (msgHash, signature, recovery) => {
    const key = loaded.recoverPublicKeyUncompressed(signature, recovery as 0 | 1, msgHash);
    if (typeof key === 'string') throw new Error(key);
    return key;
  };
}
