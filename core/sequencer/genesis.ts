import type { ChainConfig } from '../chain/config.ts';
import { genesisHeader } from '../chain/format.ts';
import { type Hex, lower } from '../chain/hex.ts';
import type { RpcBlockHeader } from '../chain/types.ts';
import { applyDiffToTrie, BufferedTrieDb } from '../state/stateTrie.ts';
import { type AccountRecord, EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, emptyDiff } from '../state/types.ts';

export interface Genesis {
  header: RpcBlockHeader;
  accounts: Map<Hex, AccountRecord | null>;
  trieNodes: Map<string, Uint8Array>;
}

/** Block 0: the prefunded accounts in the state trie, no transactions. */
export async function buildGenesis(config: ChainConfig): Promise<Genesis> {
  const diff = emptyDiff();
  for (const [address, balance] of config.genesisAlloc) {
    diff.accounts.set(lower(address), { nonce: 0n, balance, codeHash: EMPTY_CODE_HASH, storageRoot: EMPTY_TRIE_ROOT });
  }
  const db = new BufferedTrieDb({ node: () => undefined });
  const update = await applyDiffToTrie(db, EMPTY_TRIE_ROOT, diff, () => undefined);
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
  return { header, accounts: update.accounts, trieNodes: db.pending };
}
