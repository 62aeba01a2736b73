import { encodeAbiParameters, keccak256, toHex } from 'viem';
import type { Hex } from './hex.ts';
import { PERMIT2_TEMPLATE, STANDARD_CONTRACT_CODE, type StandardContract } from './standardContractCode.ts';

export type { StandardContract };

export const PERMIT2_ADDRESS: Hex = '0x000000000022d473030f116ddee9f6b43ac78ba3';
export const MULTICALL3_ADDRESS: Hex = '0xca11bde05977b3631167028862be2a173976ca11';
export const DETERMINISTIC_DEPLOYMENT_PROXY_ADDRESS: Hex = '0x4e59b44847b379578588920ca78fbf26c0b4956c';

/** EIP-2935's block-hash history contract (Prague), filled by a system call at the start of each block (core/execution/blockHashHistory.ts). */
export const HISTORY_STORAGE_ADDRESS: Hex = '0x0000f90827f1c53a10cb7a02335b175320002935';

/**
 * Its runtime code as EIP-2935 publishes it (code hash 0x6e49e667…0a5d): `set` from SYSTEM_ADDRESS
 * stores calldata at (number - 1) % 8191; `get` answers a 32-byte block number within the window
 * and reverts otherwise. docs/standard-contracts.md says how the bytes were established.
 */
export const HISTORY_STORAGE_CODE: Hex =
  '0x3373fffffffffffffffffffffffffffffffffffffffe14604657602036036042575f35600143038111604257611fff81430311604257611fff9006545f5260205ff35b5f5ffd5b5f35611fff60014303065500';

/** Where Permit2's two immutables sit in its runtime code (bytes), as in OP Stack's Preinstalls.getPermit2Code. */
const PERMIT2_CACHED_CHAIN_ID_AT = 6945;
const PERMIT2_CACHED_DOMAIN_SEPARATOR_AT = 6983;

/** Permit2's EIP-712 domain separator on a chain: what its constructor caches. */
export function permit2DomainSeparator(chainId: bigint): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint256' }, { type: 'address' }],
      [keccak256(toHex('EIP712Domain(string name,uint256 chainId,address verifyingContract)')), keccak256(toHex('Permit2')), chainId, PERMIT2_ADDRESS],
    ),
  );
}

/**
 * Permit2's runtime code as its constructor would have left it on this chain: Ethereum's code (which
 * caches chain id 1 and mainnet's domain separator) with the two immutables for `chainId`. With the
 * mainnet values it would still work (DOMAIN_SEPARATOR() recomputes when the chain id differs), at
 * the cost of a hash per signature check; OP Stack chains patch it the same way.
 */
export function permit2Code(chainId: bigint): Hex {
  const word = (at: number, value: Hex) => [at * 2 + 2, at * 2 + 66, value.slice(2).padStart(64, '0')] as const;
  let code: string = PERMIT2_TEMPLATE;
  for (const [from, to, value] of [
    word(PERMIT2_CACHED_CHAIN_ID_AT, toHex(chainId)),
    word(PERMIT2_CACHED_DOMAIN_SEPARATOR_AT, permit2DomainSeparator(chainId)),
  ]) {
    code = code.slice(0, from) + value + code.slice(to);
  }
  return code as Hex;
}

/**
 * The standard contracts in the genesis state, at their canonical addresses: the deterministic
 * deployment proxy, Multicall3, Create2Deployer, the Safe singleton factory, CreateX, Permit2 and
 * ERC-4337's EntryPoint v0.7 with its SenderCreator, and EIP-2935's history contract (docs/standard-contracts.md).
 */
export function standardContracts(chainId: bigint): readonly StandardContract[] {
  return [
    ...STANDARD_CONTRACT_CODE,
    { name: 'Permit2', address: PERMIT2_ADDRESS, nonce: 1n, storage: [], code: permit2Code(chainId) },
    // Nonce 1 as its deployment transaction left it on Ethereum (EIP-161); empty storage, as at deployment.
    { name: 'HistoryStorage', address: HISTORY_STORAGE_ADDRESS, nonce: 1n, storage: [], code: HISTORY_STORAGE_CODE },
  ];
}
