/**
 * The Solidity against the golden vectors of test/fixtures/batch-v1.json (made by the TypeScript
 * encoders, test/unit/batchEncoding.test.ts): hashes and digests through the contracts' pure
 * helpers, then the fixture's whole story on a fresh anvil. The fixture's range names the rollup
 * 0x5fbdb2315678afecb367f032d93f642f64180aa3, the first contract development account 0 deploys,
 * so its threshold proof is valid for the Rollup deployed here, and its three deposits (accounts
 * 0, 1, 2) produce its rolling hashes.
 */
import { readFileSync } from 'node:fs';
import { type Address, getContractAddress, type Hex, parseEventLogs } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeAbi, rollupAbi, verifierAbi } from '../../core/settlement/l1Abi.ts';
import { l1Artifacts } from '../../scripts/lib/l1.ts';
import { devAccount, devKey } from '../support/accounts.ts';
import { commitmentOf, type L1, mined, send, startL1 } from './helpers.ts';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/batch-v1.json', import.meta.url), 'utf8'));
const commitments = fixture.commitments.map((c: { commitment: never }) => commitmentOf(c.commitment));
const { range, withdrawals, priorityOps } = fixture;

const OWNER = 0; // deploys the Rollup at nonce 0: the fixture's rollup address
const ADMIN = 5; // deploys the verifier and the bridge
const OPERATOR = 6;
const PROVERS = [7, 8, 9];

let l1: L1;
let rollup: Address;
let verifier: Address;
let bridge: Address;

beforeAll(async () => {
  l1 = await startL1();
  const art = l1Artifacts();
  const owner = l1.wallet(devKey(OWNER));
  const admin = l1.wallet(devKey(ADMIN));
  verifier = getContractAddress({ from: devAccount(ADMIN).address, nonce: 0n });
  const r = await mined(
    l1,
    owner.deployContract({
      abi: rollupAbi,
      bytecode: art.rollup.bytecode,
      args: [devAccount(OWNER).address, devAccount(OPERATOR).address, verifier, BigInt(range.chainId), commitments[0]],
    }),
  );
  rollup = r.contractAddress!;
  const v = await mined(
    l1,
    admin.deployContract({
      abi: verifierAbi,
      bytecode: art.verifier.bytecode,
      args: [devAccount(ADMIN).address, PROVERS.map((i) => devAccount(i).address), 2n],
    }),
  );
  expect(v.contractAddress?.toLowerCase()).toBe(verifier.toLowerCase());
  const b = await mined(l1, admin.deployContract({ abi: bridgeAbi, bytecode: art.bridge.bytecode, args: [rollup] }));
  bridge = b.contractAddress!;
  await send(l1, OWNER, { address: rollup, abi: rollupAbi, functionName: 'setBridge', args: [bridge] });
});

afterAll(async () => {
  await l1?.anvil.stop();
});

const read = <T>(address: Address, abi: typeof rollupAbi | typeof bridgeAbi | typeof verifierAbi, functionName: string, args: readonly unknown[] = []) =>
  // biome-ignore lint/suspicious/noExplicitAny: untyped reads of the fixture's values
  l1.publicClient.readContract({ address, abi, functionName, args } as any) as Promise<T>;

describe('golden vectors (test/fixtures/batch-v1.json)', () => {
  it('the Rollup is at the fixture range address', () => {
    expect(rollup.toLowerCase()).toBe(range.rollup);
  });

  it('Rollup.hashBatch matches every commitment hash', async () => {
    for (const [i, c] of commitments.entries()) expect(await read(rollup, rollupAbi, 'hashBatch', [c])).toBe(fixture.commitments[i].hash);
    expect(await read(rollup, rollupAbi, 'storedBatchHash', [0n])).toBe(fixture.commitments[0].hash);
  });

  it('Rollup.rangeDigest matches the range digest', async () => {
    expect(
      await read(rollup, rollupAbi, 'rangeDigest', [
        BigInt(range.l1ChainId),
        BigInt(range.chainId),
        range.rollup,
        BigInt(range.firstBatch),
        BigInt(range.lastBatch),
        range.batchHashes,
      ]),
    ).toBe(range.digest);
  });

  it('Bridge.priorityOpHash and withdrawalLeaf match, and every Merkle proof leads to the root', async () => {
    for (const { op, opHash } of priorityOps) {
      expect(await read(bridge, bridgeAbi, 'priorityOpHash', [BigInt(op.index), op.l1Sender, op.l2Recipient, BigInt(op.amount)])).toBe(opHash);
    }
    for (const [i, w] of withdrawals.withdrawals.entries()) {
      expect(await read(bridge, bridgeAbi, 'withdrawalLeaf', [BigInt(w.id), w.l2Sender, w.l1Recipient, BigInt(w.amount)])).toBe(withdrawals.leaves[i]);
      expect(await read(bridge, bridgeAbi, 'withdrawalsRootFromProof', [withdrawals.leaves[i], BigInt(i), withdrawals.proofs[i]])).toBe(withdrawals.root);
    }
  });

  it('ThresholdVerifier (provers 7, 8, 9; threshold 2) accepts the proof of 8 and 9, and all three', async () => {
    expect(await read(verifier, verifierAbi, 'verify', [range.digest, range.thresholdProofOf8And9])).toBe(true);
    const sorted = [...range.provers].sort((a: { address: string }, b: { address: string }) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
    const all = `0x${sorted.map((p: { signature: Hex }) => p.signature.slice(2)).join('')}` as Hex;
    expect(await read(verifier, verifierAbi, 'verify', [range.digest, all])).toBe(true);
  });

  it('deposits from accounts 0, 1, 2 emit the fixture rolling hashes', async () => {
    for (const [i, { op, rollingHash }] of priorityOps.entries()) {
      const receipt = await send(l1, i, { address: bridge, abi: bridgeAbi, functionName: 'deposit', args: [op.l2Recipient], value: BigInt(op.amount) });
      const [log] = parseEventLogs({ abi: bridgeAbi, eventName: 'DepositInitiated', logs: receipt.logs });
      expect(log.args).toEqual({
        index: BigInt(op.index),
        l1Sender: devAccount(i).address,
        l2Recipient: expect.any(String),
        amount: BigInt(op.amount),
        rollingHash,
      });
      expect(log.args.l2Recipient.toLowerCase()).toBe(op.l2Recipient);
      expect(await read(bridge, bridgeAbi, 'rollingHashAt', [BigInt(i + 1)])).toBe(rollingHash);
    }
  });

  it('batches 1 and 2 commit with the fixture data, prove with thresholdProofOf8And9 and execute', async () => {
    const data: Hex[] = [fixture.batchData.data, '0x01'];
    await send(l1, OPERATOR, { address: rollup, abi: rollupAbi, functionName: 'commitBatches', args: [commitments[0], commitments.slice(1), data] });
    expect(await read(rollup, rollupAbi, 'storedBatchHash', [2n])).toBe(fixture.commitments[2].hash);
    await send(l1, OPERATOR, { address: rollup, abi: rollupAbi, functionName: 'proveBatches', args: [commitments.slice(1), range.thresholdProofOf8And9] });
    await send(l1, OPERATOR, { address: rollup, abi: rollupAbi, functionName: 'executeBatches', args: [commitments.slice(1)] });
    expect(await read(rollup, rollupAbi, 'executedBatches')).toBe(2n);
    expect(await read(rollup, rollupAbi, 'withdrawalsRoot', [1n])).toBe(withdrawals.root);
    expect(await read(rollup, rollupAbi, 'lastExecutedStateRoot')).toBe(commitments[2].newStateRoot);
    expect(await read(rollup, rollupAbi, 'totalPriorityOpsExecuted')).toBe(3n);
  });

  it('every fixture withdrawal finalizes with its fixture proof and pays its recipient', async () => {
    for (const [i, w] of withdrawals.withdrawals.entries()) {
      const before = await l1.publicClient.getBalance({ address: w.l1Recipient });
      await send(l1, OPERATOR, {
        address: bridge,
        abi: bridgeAbi,
        functionName: 'finalizeWithdrawal',
        args: [1n, BigInt(w.id), w.l2Sender, w.l1Recipient, BigInt(w.amount), BigInt(i), withdrawals.proofs[i]],
      });
      expect(await l1.publicClient.getBalance({ address: w.l1Recipient })).toBe(before + BigInt(w.amount));
    }
  });
});
