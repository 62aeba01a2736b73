import { readFileSync } from 'node:fs';
import { createAddressFromString, hexToBytes } from '@ethereumjs/util';
import { encodeFunctionData, getContractAddress, keccak256, parseAbi } from 'viem';
import { describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { bytesToHex, type Hex } from '../../core/chain/hex.ts';
import { PERMIT2_TEMPLATE } from '../../core/chain/standardContractCode.ts';
import { PERMIT2_ADDRESS, permit2Code, permit2DomainSeparator } from '../../core/chain/standardContracts.ts';
import { buildGenesis } from '../../core/sequencer/genesis.ts';
import { create2ViaProxy, deploymentVM, installCode, readDeployed, replayPresigned } from '../../scripts/lib/replayDeployment.ts';

/** The maintainers' deployment transactions and init code (test/fixtures/standard-deployments.json says where each is from). */
const fixture = JSON.parse(readFileSync(new URL('../fixtures/standard-deployments.json', import.meta.url), 'utf8'));

const config = parseChainConfig({});
const genesis = await buildGenesis(config);

/** The account the genesis state holds at `address`: its code, nonce and storage. */
function inGenesis(address: Hex) {
  const account = genesis.diff.accounts.get(address);
  if (!account) throw new Error(`nothing at ${address} in genesis`);
  const code = genesis.diff.codes.get(account.codeHash);
  return { code: code ? bytesToHex(code) : '0x', codeHash: account.codeHash, nonce: account.nonce, storage: genesis.diff.storage.get(address) ?? new Map() };
}

describe('standard contracts in genesis', () => {
  it.each([
    ['the deterministic deployment proxy (keyless)', 'deterministicDeploymentProxy'],
    ['the Safe singleton factory (its chain-31337 transaction)', 'safeSingletonFactory'],
    ['Multicall3', 'multicall3'],
    ['CreateX', 'createx'],
  ])('%s: replaying the canonical deployment transaction yields the genesis code', async (_, key) => {
    const { transaction, sender, address } = fixture[key];
    const vm = await deploymentVM(31337n);
    const replayed = await replayPresigned(vm, transaction);
    // The signature recovers the canonical deployer, whose first contract lands at the canonical address.
    expect(replayed).toEqual({ sender, created: address });
    const deployed = await readDeployed(vm, address);
    const ours = inGenesis(address);
    expect(ours.codeHash).toBe(keccak256(deployed.code));
    expect(ours.code).toBe(deployed.code);
    expect(ours.nonce).toBe(deployed.nonce);
    expect(deployed.storage.size).toBe(0);
  });

  it("CreateX's code hash is the one its maintainers publish", () => {
    expect(inGenesis(fixture.createx.address).codeHash).toBe(fixture.createx.runtimeCodeHash);
  });

  it('EntryPoint v0.7 and its SenderCreator: the CREATE2 deployment of the published init code lands at the canonical address and yields the genesis state', async () => {
    const vm = await deploymentVM(31337n);
    await replayPresigned(vm, fixture.deterministicDeploymentProxy.transaction);
    const { salt, initCode, address, senderCreator } = fixture.entryPointV07;
    expect(await create2ViaProxy(vm, salt, initCode)).toBe(address);
    for (const at of [address, senderCreator]) {
      const deployed = await readDeployed(vm, at);
      const ours = inGenesis(at);
      expect(ours.code).toBe(deployed.code);
      expect(ours.nonce).toBe(deployed.nonce);
      expect([...ours.storage].map(([slot, value]) => [keccak256(slot), value])).toEqual([...deployed.storage]);
    }
    expect(inGenesis(address).nonce).toBe(2n);
    expect(inGenesis(address).storage.get(`0x${'0'.repeat(63)}2`)).toBe('0x01');
  });

  it("Permit2: Ethereum's code with its immutables for this chain, and its domain separator answers for the chain it runs on", async () => {
    // The template holds mainnet's immutables: chain id 1 and mainnet's domain separator.
    expect(permit2Code(1n)).toBe(PERMIT2_TEMPLATE);
    expect(inGenesis(PERMIT2_ADDRESS).code).toBe(permit2Code(config.chainId));
    const data = hexToBytes(encodeFunctionData({ abi: parseAbi(['function DOMAIN_SEPARATOR() view returns (bytes32)']) }));
    for (const chainId of [config.chainId, 10n]) {
      const vm = await deploymentVM(chainId);
      await installCode(vm, PERMIT2_ADDRESS, inGenesis(PERMIT2_ADDRESS).code as Hex);
      const result = await vm.evm.runCall({ to: createAddressFromString(PERMIT2_ADDRESS), data, gasLimit: 100_000n });
      expect(bytesToHex(result.execResult.returnValue)).toBe(permit2DomainSeparator(chainId));
    }
  });

  it('Create2Deployer deploys at the CREATE2 address it computes', async () => {
    const vm = await deploymentVM(31337n);
    const at = '0x13b0d85ccb8bf860b6b79af3029fca081ae9bef2';
    await installCode(vm, at, inGenesis(at).code as Hex);
    const abi = parseAbi([
      'function deploy(uint256 value, bytes32 salt, bytes code)',
      'function computeAddress(bytes32 salt, bytes32 codeHash) view returns (address)',
    ]);
    const salt = `0x${'11'.repeat(32)}` as Hex;
    const init = '0x600a600c600039600a6000f3602a60005260206000f3' as Hex; // returns 42 when called
    const call = (data: Hex) => vm.evm.runCall({ to: createAddressFromString(at), data: hexToBytes(data), gasLimit: 1_000_000n });
    const deployed = await call(encodeFunctionData({ abi, functionName: 'deploy', args: [0n, salt, init] }));
    expect(deployed.execResult.exceptionError).toBeUndefined();
    const expected = getContractAddress({ opcode: 'CREATE2', from: at, salt, bytecode: init }).toLowerCase();
    const computed = await call(encodeFunctionData({ abi, functionName: 'computeAddress', args: [salt, keccak256(init)] }));
    expect(`0x${bytesToHex(computed.execResult.returnValue).slice(26)}`).toBe(expected);
    expect((await readDeployed(vm, expected as Hex)).code).toBe('0x602a60005260206000f3');
  });
});
