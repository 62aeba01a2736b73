import { Common, Hardfork, Mainnet } from '@ethereumjs/common';
import { createTxFromRLP, type LegacyTx } from '@ethereumjs/tx';
import { Account, type Address, bytesToHex, createAddressFromString, createContractAddress, hexToBytes } from '@ethereumjs/util';
import { createVM, runTx, type VM } from '@ethereumjs/vm';

/**
 * Replays the deployments that put the standard contracts on Ethereum, in a fresh EthereumJS VM:
 * presigned (keyless or single-use key) transactions, and CREATE2 through the deterministic
 * deployment proxy. The address a deployment lands at is a hash of its sender and nonce (or of the
 * proxy, salt and init code), so reaching the canonical address proves the deployment is the
 * canonical one, whatever file it was read from.
 */
export interface Deployed {
  address: `0x${string}`;
  code: `0x${string}`;
  nonce: bigint;
  storage: Map<`0x${string}`, `0x${string}`>;
}

export const DETERMINISTIC_DEPLOYMENT_PROXY = '0x4e59b44847b379578588920ca78fbf26c0b4956c';

export async function deploymentVM(chainId: bigint): Promise<VM> {
  const common = new Common({ chain: { ...Mainnet, chainId: Number(chainId) }, hardfork: Hardfork.Prague });
  return createVM({ common });
}

/** Runs a signed transaction as it would run on a chain where its sender is funded and unused. */
export async function replayPresigned(vm: VM, raw: `0x${string}`): Promise<{ sender: `0x${string}`; created: `0x${string}` }> {
  const tx = createTxFromRLP(hexToBytes(raw), { common: vm.common }) as LegacyTx;
  const sender = tx.getSenderAddress();
  await vm.stateManager.putAccount(sender, new Account(0n, tx.gasLimit * tx.gasPrice + tx.value));
  const result = await runTx(vm, { tx, skipBlockGasLimitValidation: true, skipHardForkValidation: true });
  if (result.execResult.exceptionError) throw new Error(`presigned deployment failed: ${result.execResult.exceptionError.error}`);
  const created = createContractAddress(sender, 0n);
  return { sender: sender.toString() as `0x${string}`, created: created.toString() as `0x${string}` };
}

/** CREATE2 through the deterministic deployment proxy (calldata = salt ++ init code): the created address. */
export async function create2ViaProxy(vm: VM, salt: `0x${string}`, initCode: `0x${string}`): Promise<`0x${string}`> {
  const result = await vm.evm.runCall({
    caller: createAddressFromString('0x0000000000000000000000000000000000000001'),
    to: createAddressFromString(DETERMINISTIC_DEPLOYMENT_PROXY),
    data: hexToBytes(`${salt}${initCode.slice(2)}` as `0x${string}`),
    gasLimit: 30_000_000n,
  });
  if (result.execResult.exceptionError || result.execResult.returnValue.length !== 20) throw new Error('CREATE2 through the proxy failed');
  return bytesToHex(result.execResult.returnValue) as `0x${string}`;
}

/** The account as deployed: code, nonce and every storage slot its constructor wrote. */
export async function readDeployed(vm: VM, address: `0x${string}`): Promise<Deployed> {
  const addr = createAddressFromString(address);
  const account = await vm.stateManager.getAccount(addr);
  const code = await vm.stateManager.getCode(addr);
  const storage = new Map<`0x${string}`, `0x${string}`>();
  const dump = await (vm.stateManager as unknown as { dumpStorage(a: Address): Promise<Record<string, string>> }).dumpStorage(addr);
  for (const [key, value] of Object.entries(dump)) storage.set(key as `0x${string}`, value as `0x${string}`);
  return { address, code: bytesToHex(code) as `0x${string}`, nonce: account?.nonce ?? 0n, storage };
}

/** Places runtime code at an address (nonce 1, as a contract). */
export async function installCode(vm: VM, address: `0x${string}`, code: `0x${string}`): Promise<void> {
  const addr = createAddressFromString(address);
  await vm.stateManager.putAccount(addr, new Account(1n, 0n));
  await vm.stateManager.putCode(addr, hexToBytes(code));
}
