// foundry's cast against the running chain: dev account 5 (its key derived from the mnemonic).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Address, getAddress, isAddressEqual, pad, parseEther, toEventSelector } from 'viem';
import { beforeAll, describe, expect, it } from 'vitest';
import { bin } from '../../scripts/lib/process.ts';
import { type DeployedToken, deployToken, devAccount, devPrivateKey, freshAddress, rpcUrl, viemClients } from './helpers.ts';

const run = promisify(execFile);
const sender = devAccount(5).address;

/**
 * Runs `cast <args>` against the chain (no shell) and returns its trimmed stdout.
 * The npm wrapper (@foundry-rs/cast/bin.mjs) does not pass on cast's exit code: a failing
 * command exits 0 with `Error: ...` on stderr, so that is treated as the failure.
 */
async function cast(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run(bin('cast'), [...args, '--rpc-url', rpcUrl()], {
    timeout: 90_000,
    env: { ...process.env, NO_COLOR: '1', FOUNDRY_DISABLE_NIGHTLY_WARNING: '1' },
  });
  if (/^Error\b/m.test(stderr)) throw Object.assign(new Error(`cast ${args[0]} failed: ${stderr.trim()}`), { stderr });
  return stdout.trim();
}

/** `cast send ... --json` prints the receipt once the transaction is included. */
async function castSend(...args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse(await cast('send', '--private-key', devPrivateKey(5), '--json', ...args));
}

/** `cast call` prints decoded uint256 values as `1000 [1e3]`: keep the exact integer. */
const uint = (out: string): bigint => BigInt(out.split(/\s+/)[0]);

describe('cast: native transfer', () => {
  it('cast send --value, then cast receipt and cast balance agree', async () => {
    const to = freshAddress();
    const sent = await castSend(to, '--value', '1ether');
    expect(sent.status).toBe('0x1');
    expect(isAddressEqual(sent.from as Address, sender)).toBe(true);
    expect(isAddressEqual(sent.to as Address, to)).toBe(true);
    expect(BigInt(sent.gasUsed as string)).toBe(21_000n);
    const hash = sent.transactionHash as string;
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/);

    const receipt = JSON.parse(await cast('receipt', hash, '--json'));
    expect(receipt).toMatchObject({
      transactionHash: hash,
      status: '0x1',
      blockHash: sent.blockHash,
      blockNumber: sent.blockNumber,
      gasUsed: sent.gasUsed,
      effectiveGasPrice: sent.effectiveGasPrice,
    });
    expect(BigInt(await cast('balance', to))).toBe(parseEther('1'));
  });

  it('cast chain-id and cast nonce match what viem sees', async () => {
    const { publicClient } = await viemClients();
    expect(Number(await cast('chain-id'))).toBe(await publicClient.getChainId());
    expect(Number(await cast('nonce', sender))).toBe(await publicClient.getTransactionCount({ address: sender }));
  });
});

describe('cast: Token deployed with viem', () => {
  const supply = parseEther('777');
  let token: DeployedToken;
  beforeAll(async () => {
    const { publicClient, wallet } = await viemClients();
    token = await deployToken(publicClient, wallet(5), { name: 'Cast Token', symbol: 'CT', supply });
  });

  it('cast call reads balanceOf and totalSupply', async () => {
    expect(uint(await cast('call', token.address, 'balanceOf(address)(uint256)', sender))).toBe(supply);
    expect(uint(await cast('call', token.address, 'totalSupply()(uint256)'))).toBe(supply);
    expect(await cast('call', token.address, 'symbol()(string)')).toBe('"CT"');
  });

  it('cast send with a function signature transfers tokens and emits Transfer', async () => {
    const to = freshAddress();
    const amount = parseEther('3.25');
    const sent = await castSend(token.address, 'transfer(address,uint256)', to, amount.toString());
    expect(sent.status).toBe('0x1');
    const logs = sent.logs as { address: string; topics: string[]; data: string }[];
    expect(logs).toHaveLength(1);
    expect(getAddress(logs[0].address)).toBe(getAddress(token.address));
    expect(logs[0].topics).toEqual([
      toEventSelector('Transfer(address,address,uint256)'),
      pad(sender.toLowerCase() as Address),
      pad(to.toLowerCase() as Address),
    ]);
    expect(BigInt(logs[0].data)).toBe(amount);
    expect(uint(await cast('call', token.address, 'balanceOf(address)(uint256)', to))).toBe(amount);
    expect(uint(await cast('call', token.address, 'balanceOf(address)(uint256)', sender))).toBe(supply - amount);
  });

  it('cast call of a reverting function reports the reason', async () => {
    const err = await cast('call', '--from', sender, token.address, 'transfer(address,uint256)', freshAddress(), (supply + 1n).toString()).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(String((err as { stderr?: string }).stderr)).toContain('Token: insufficient balance');
  });
});
