/**
 * Claims on L1 the withdrawals an L2 transaction made: asks the L2 RPC for the proof
 * (`rollup_getWithdrawalProof`), waits (with --wait) until the batch holding it is executed on L1,
 * then calls `Bridge.finalizeWithdrawal` for each of the transaction's withdrawals.
 *
 *   node scripts/claim-withdrawal.ts --tx 0x... [--wait] [--l2-rpc URL] [--l1-rpc URL] [--bridge ADDR] [--key 0x...]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createPublicClient, createWalletClient, defineChain, formatEther, type Hex, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { bridgeAbi } from '../core/settlement/l1Abi.ts';
import { describeL1Error } from '../core/settlement/settler.ts';
import { devAccounts, devPrivateKey } from './bench/accounts.ts';
import { projectRoot } from './lib/process.ts';
import { rpc } from './lib/rpc.ts';

const HELP = `usage: node scripts/claim-withdrawal.ts --tx HASH [options]

Finalizes on L1 the withdrawals made by the L2 transaction HASH (a call to the L2Withdrawals
system contract at 0x0000000000000000000000000000000000008001).

  --tx HASH        the L2 transaction that called withdraw(l1Recipient)
  --wait           poll until its batch is executed on L1 (default: fail if not claimable yet)
  --timeout S      how long --wait waits (default 300)
  --l2-rpc URL     the chain's JSON-RPC (default http://127.0.0.1:8787)
  --l1-rpc URL     the L1 JSON-RPC (default http://127.0.0.1:8545)
  --bridge ADDR    the L1 Bridge (default: from .data/chain/l1-deployment.json written by npm start)
  --key 0x..       the L1 key paying for the claim (default: anvil's development account 0);
                   anyone may claim, the ETH always goes to the withdrawal's l1Recipient
  --help           this text

Exit codes: 0 claimed, 1 refused by L1 or failed, 2 bad usage, 3 not claimable yet.`;

interface ProofResult {
  batchNumber: Hex | null;
  status: 'none' | 'closed' | 'committed' | 'executed';
  withdrawals: { id: Hex; l2Sender: Hex; l1Recipient: Hex; amount: Hex; index: Hex; proof: Hex[] }[];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      tx: { type: 'string' },
      wait: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '300' },
      'l2-rpc': { type: 'string', default: 'http://127.0.0.1:8787' },
      'l1-rpc': { type: 'string', default: 'http://127.0.0.1:8545' },
      bridge: { type: 'string' },
      key: { type: 'string', default: devPrivateKey(devAccounts(1)[0]) },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.tx || !/^0x[0-9a-fA-F]{64}$/.test(values.tx)) {
    console.error('--tx needs an L2 transaction hash (0x + 64 hex digits)\n');
    console.error(HELP);
    return 2;
  }
  let bridge = values.bridge as Hex | undefined;
  const saved = join(projectRoot, '.data', 'chain', 'l1-deployment.json');
  if (!bridge && existsSync(saved)) bridge = JSON.parse(readFileSync(saved, 'utf8')).bridge;
  if (!bridge) {
    console.error('--bridge is needed (no .data/chain/l1-deployment.json from npm start)');
    return 2;
  }

  const deadline = Date.now() + Number(values.timeout) * 1000;
  let proof: ProofResult | null;
  for (;;) {
    try {
      proof = await rpc<ProofResult | null>(values['l2-rpc'], 'rollup_getWithdrawalProof', [values.tx]);
    } catch (e) {
      // -32000 while the transaction's batch is still open.
      proof = { batchNumber: null, status: 'closed', withdrawals: [] };
      if (!values.wait) {
        console.error(`not claimable yet: ${(e as Error).message}`);
        return 3;
      }
    }
    if (proof === null) {
      console.error(`the chain does not know transaction ${values.tx}`);
      return 1;
    }
    if (proof.status === 'none') {
      console.error(`transaction ${values.tx} made no withdrawal`);
      return 1;
    }
    if (proof.status === 'executed') break;
    if (!values.wait || Date.now() > deadline) {
      console.error(`not claimable yet: batch ${proof.batchNumber === null ? '(open)' : BigInt(proof.batchNumber)} is ${proof.status} on L1, not executed`);
      return 3;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }

  const probe = createPublicClient({ transport: http(values['l1-rpc']) });
  const chain = defineChain({
    id: await probe.getChainId(),
    name: 'l1',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [values['l1-rpc']] } },
  });
  const l1 = createPublicClient({ chain, transport: http(values['l1-rpc']), pollingInterval: 250 });
  const wallet = createWalletClient({ chain, transport: http(values['l1-rpc']), account: privateKeyToAccount(values.key as Hex) });
  for (const w of proof.withdrawals) {
    const args = [BigInt(proof.batchNumber as Hex), BigInt(w.id), w.l2Sender, w.l1Recipient, BigInt(w.amount), BigInt(w.index), w.proof] as const;
    try {
      const { request } = await l1.simulateContract({ address: bridge, abi: bridgeAbi, functionName: 'finalizeWithdrawal', args, account: wallet.account });
      const hash = await wallet.writeContract(request);
      const receipt = await l1.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`finalizeWithdrawal ${hash} reverted`);
      console.log(`withdrawal ${BigInt(w.id)}: ${formatEther(BigInt(w.amount))} ETH paid to ${w.l1Recipient} on L1 (tx ${hash}, block ${receipt.blockNumber})`);
    } catch (e) {
      console.error(`withdrawal ${BigInt(w.id)}: L1 refused the claim: ${describeL1Error(e)}`);
      return 1;
    }
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`claim failed: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  },
);
