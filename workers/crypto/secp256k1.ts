import { WasmSecp256k1 } from '@solar-republic/wasm-secp256k1/headless';
import type { RecoverPublicKey } from '../../core/tx/recover.ts';
// workerd refuses to compile WebAssembly from bytes at run time: the module must be imported,
// which the bundler turns into a precompiled WebAssembly.Module. The package does not export the
// file, hence the path into node_modules.
import secp256k1Wasm from '../../node_modules/@solar-republic/wasm-secp256k1/dist/secp256k1.wasm';

type Api = Awaited<ReturnType<typeof WasmSecp256k1>>;
let api: Api | undefined;

/**
 * libsecp256k1 (WebAssembly) recovery for the edge. The package's loader expects
 * `WebAssembly.instantiate(bytes)` to answer `{ instance }`; given a compiled module the runtime
 * answers the instance itself, so the call is adapted for the duration of the load.
 */
async function load(): Promise<Api> {
  const instantiate = WebAssembly.instantiate;
  const adapted = ((source: WebAssembly.Module, imports?: WebAssembly.Imports) =>
    instantiate(source, imports).then((instance) => ({ instance, module: source }))) as unknown as typeof WebAssembly.instantiate;
  WebAssembly.instantiate = adapted;
  try {
    return await WasmSecp256k1(secp256k1Wasm as unknown as Uint8Array);
  } finally {
    WebAssembly.instantiate = instantiate;
  }
}

/** The recovery function for this isolate; loads the WebAssembly once. */
export async function wasmRecover(): Promise<RecoverPublicKey> {
  api ??= await load();
  const loaded = api;
  return (msgHash, signature, recovery) => loaded.recover(signature, msgHash, recovery, true);
}
