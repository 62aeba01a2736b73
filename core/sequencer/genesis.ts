import { L2_WITHDRAWALS_CODE } from '../bridge/l2WithdrawalsCode.ts';
import { L2_WITHDRAWALS_ADDRESS } from '../bridge/withdrawals.ts';
import type { ChainConfig } from '../chain/config.ts';
import { genesisHeader } from '../chain/format.ts';
import { type Hex, hexToBytes, lower } from '../chain/hex.ts';
import { keccakHex } from '../chain/keccak.ts';
import { standardContracts } from '../chain/standardContracts.ts';
import type { RpcBlockHeader } from '../chain/types.ts';
import { applyDiffToTrie } from '../state/stateTrie.ts';
import { type AccountRecord, EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, emptyDiff, type StateDiff } from '../state/types.ts';

export interface Genesis {
  header: RpcBlockHeader;
  diff: StateDiff;
  accounts: Map<Hex, AccountRecord | null>;
  trieNodes: Map<string, Uint8Array>;
}

/** A contract present from genesis: its runtime code, nonce and the storage its constructor would have written. */
export interface Predeploy {
  address: Hex;
  code: Hex;
  nonce: bigint;
  storage: readonly (readonly [Hex, Hex])[];
}

/** Contracts present from genesis: the system contracts and the standard ones every chain has. */
export function predeploys(chainId: bigint): readonly Predeploy[] {
  return [{ address: L2_WITHDRAWALS_ADDRESS, code: L2_WITHDRAWALS_CODE, nonce: 1n, storage: [] }, ...standardContracts(chainId)];
}

/** Block 0: the prefunded accounts and the system contracts in the state trie, no transactions. */
export async function buildGenesis(config: ChainConfig): Promise<Genesis> {
  const diff = emptyDiff();
  for (const [address, balance] of config.genesisAlloc) {
    diff.accounts.set(lower(address), { nonce: 0n, balance, codeHash: EMPTY_CODE_HASH, storageRoot: EMPTY_TRIE_ROOT });
  }
  for (const { address, code, nonce, storage } of predeploys(config.chainId)) {
    const codeHash = keccakHex(code);
    diff.codes.set(codeHash, hexToBytes(code));
    // Contracts start at nonce 1 (EIP-161); one that created others at 1 more for each.
    diff.accounts.set(address, { nonce, balance: 0n, codeHash, storageRoot: EMPTY_TRIE_ROOT });
    if (storage.length > 0) diff.storage.set(address, new Map(storage));
  }
  const update = await applyDiffToTrie({ node: () => undefined }, EMPTY_TRIE_ROOT, diff, () => undefined);
  const header = genesisHeader(
    config.chainId,
    {
      number: 0n,
      parentHash: `0x${'00'.repeat(32)}`,
      timestamp: config.genesisTimestamp,
      baseFeePerGas: config.genesisBaseFee,
      gasLimit: config.blockGasLimit,
      coinbase: lower(config.feeRecipient),
      prevRandao: `0x${'00'.repeat(32)}`,
    },
    update.stateRoot,
  );
  return { header, diff, accounts: update.accounts, trieNodes: update.nodes };
}
