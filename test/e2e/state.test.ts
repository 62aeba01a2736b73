/**
 * State commitment and call semantics checked from outside: proofs served by eth_getProof verify
 * against the block's stateRoot with EthereumJS's own verifier, and calls behave as geth's do.
 * Uses dev account 0 (the durability test runs its own chain).
 */
import { verifyMerkleProof } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { bytesToHex, encodeFunctionData, hexToBytes, keccak256, pad, parseEther, toHex } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { rpc } from '../../scripts/lib/rpc.ts';
import { type DeployedToken, deployToken, freshAddress, rpcUrl, type ViemClients, viemClients, waitReceipt } from './helpers.ts';

interface Proof {
  balance: string;
  nonce: string;
  storageHash: string;
  codeHash: string;
  accountProof: string[];
  storageProof: { key: string; value: string; proof: string[] }[];
}

let clients: ViemClients;
let token: DeployedToken;
const holder = freshAddress();

beforeAll(async () => {
  clients = await viemClients();
  const wallet = clients.wallet(0);
  token = await deployToken(clients.publicClient, wallet, { supply: 1_000_000n });
  await waitReceipt(
    clients.publicClient,
    await wallet.writeContract({ address: token.address, abi: token.abi, functionName: 'transfer', args: [holder, 1234n] }),
  );
});

describe('eth_getProof against the block state root', () => {
  it('proves an account and a storage slot that an independent verifier accepts', async () => {
    const block = await rpc<{ number: string; stateRoot: string }>(rpcUrl(), 'eth_getBlockByNumber', ['latest', false]);
    // Solidity mapping slot of balanceOf[holder]: keccak(pad(holder) . pad(slot index of balanceOf)).
    const slots = await Promise.all([0n, 1n, 2n, 3n, 4n, 5n].map((i) => keccak256(`${pad(holder)}${pad(toHex(i)).slice(2)}` as `0x${string}`)));
    const proof = await rpc<Proof>(rpcUrl(), 'eth_getProof', [token.address, slots, block.number]);
    const accountRlp = await verifyMerkleProof(
      hexToBytes(keccak256(token.address)),
      proof.accountProof.map((p) => hexToBytes(p as `0x${string}`)),
      {
        root: hexToBytes(block.stateRoot as `0x${string}`),
      } as never,
    );
    expect(accountRlp).not.toBeNull();
    const [nonce, balance, storageRoot, codeHash] = RLP.decode(accountRlp as Uint8Array) as Uint8Array[];
    expect(bytesToHex(storageRoot)).toBe(proof.storageHash);
    expect(bytesToHex(codeHash)).toBe(proof.codeHash);
    expect(BigInt(bytesToHex(nonce) === '0x' ? 0 : bytesToHex(nonce))).toBe(BigInt(proof.nonce));
    expect(BigInt(bytesToHex(balance) === '0x' ? 0 : bytesToHex(balance))).toBe(BigInt(proof.balance));
    const found = proof.storageProof.find((p) => BigInt(p.value) === 1234n);
    expect(found).toBeDefined();
    const raw = await verifyMerkleProof(
      hexToBytes(keccak256(found?.key as `0x${string}`)),
      (found?.proof ?? []).map((p) => hexToBytes(p as `0x${string}`)),
      {
        root: hexToBytes(proof.storageHash as `0x${string}`),
      } as never,
    );
    expect(BigInt(bytesToHex(RLP.decode(raw as Uint8Array) as Uint8Array))).toBe(1234n);
  });

  it('proves the absence of an account that never existed', async () => {
    const block = await rpc<{ number: string; stateRoot: string }>(rpcUrl(), 'eth_getBlockByNumber', ['latest', false]);
    const nobody = freshAddress();
    const proof = await rpc<Proof>(rpcUrl(), 'eth_getProof', [nobody, [], block.number]);
    const value = await verifyMerkleProof(
      hexToBytes(keccak256(nobody)),
      proof.accountProof.map((p) => hexToBytes(p as `0x${string}`)),
      {
        root: hexToBytes(block.stateRoot as `0x${string}`),
      } as never,
    );
    expect(value).toBeNull();
    expect(proof.balance).toBe('0x0');
  });
});

describe('calls and estimates as geth answers them', () => {
  it('estimates a plain transfer at exactly 21000 gas', async () => {
    const gas = await rpc<string>(rpcUrl(), 'eth_estimateGas', [
      { from: clients.wallet(0).account.address, to: freshAddress(), value: toHex(parseEther('0.1')) },
    ]);
    expect(BigInt(gas)).toBe(21_000n);
  });

  it('estimates a token transfer with enough gas for it to succeed, and not far above', async () => {
    const data = encodeFunctionData({ abi: token.abi, functionName: 'transfer', args: [freshAddress(), 1n] });
    const from = clients.wallet(0).account.address;
    const gas = BigInt(await rpc<string>(rpcUrl(), 'eth_estimateGas', [{ from, to: token.address, data }]));
    const tooLow = await rpc(rpcUrl(), 'eth_call', [{ from, to: token.address, data, gas: toHex((gas * 9n) / 10n) }, 'latest']).then(
      () => 'succeeded',
      () => 'failed',
    );
    expect(tooLow).toBe('failed');
    expect(await rpc<string>(rpcUrl(), 'eth_call', [{ from, to: token.address, data, gas: toHex(gas) }, 'latest'])).toBe(pad('0x01'));
  });

  it('lets a contract be the sender of an eth_call (no EIP-3607 check on calls)', async () => {
    const data = encodeFunctionData({ abi: token.abi, functionName: 'balanceOf', args: [holder] });
    const out = await rpc<string>(rpcUrl(), 'eth_call', [{ from: token.address, to: token.address, data }, 'latest']);
    expect(BigInt(out)).toBe(1234n);
  });
});

describe('receipts in one round trip', () => {
  it('viem sendTransactionSync (eth_sendRawTransactionSync) returns the mined receipt', async () => {
    const to = freshAddress();
    const receipt = await clients.wallet(0).sendTransactionSync({ to, value: 5n });
    expect(receipt.status).toBe('success');
    expect(await clients.publicClient.getBalance({ address: to, blockNumber: receipt.blockNumber })).toBe(5n);
  });
});
