/**
 * What Ethereum tooling expects of a chain (issue #12): the standard contracts at their canonical
 * addresses with their canonical code, forge scripts that deploy with CREATE and CREATE2, viem's
 * multicall, unprotected transactions, and a legacy gas price that is always accepted.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Chain, getContractAddress, type Hex, keccak256, parseAbi, parseEther, parseGwei } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMIT2_ADDRESS, permit2Code, permit2DomainSeparator, standardContracts } from '../../core/chain/standardContracts.ts';
import { bin, projectRoot } from '../../scripts/lib/process.ts';
import { create2ViaProxy, deploymentVM, readDeployed, replayPresigned } from '../../scripts/lib/replayDeployment.ts';
import { rpc } from '../../scripts/lib/rpc.ts';
import { type Public, rpcUrl, type ViemClients, viemClients, waitReceipt } from './helpers.ts';

const run = promisify(execFile);
const fixture = JSON.parse(readFileSync(new URL('../fixtures/standard-deployments.json', import.meta.url), 'utf8'));
const TOOL_ENV = { ...process.env, NO_COLOR: '1', FOUNDRY_DISABLE_NIGHTLY_WARNING: '1' };

let clients: ViemClients;
let chainId: bigint;

/** A new account funded by development account 0, so the test owns its nonces. */
async function fundedKey(value = parseEther('10')): Promise<Hex> {
  const key = generatePrivateKey();
  await waitReceipt(clients.publicClient, await clients.wallet(0).sendTransaction({ to: privateKeyToAccount(key).address, value }));
  return key;
}

/**
 * The npm wrappers of forge and cast do not pass on the exit code: a failure exits 0 with
 * `Error: ...` on stderr, so that is treated as the failure.
 */
async function foundry(tool: 'forge' | 'cast', args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  const { stdout, stderr } = await run(bin(tool), args, { timeout: 110_000, env: { ...TOOL_ENV, ...opts.env }, cwd: opts.cwd });
  if (/^Error\b/m.test(stderr)) throw new Error(`${tool} ${args[0]} failed: ${stderr.trim()}\n${stdout}`);
  return stdout.trim();
}

beforeAll(async () => {
  clients = await viemClients();
  chainId = BigInt(clients.chain.id);
});

describe('standard contracts at their canonical addresses', () => {
  it("each holds the code its canonical deployment leaves, replayed here from the maintainers' transactions", async () => {
    const vm = await deploymentVM(chainId);
    const expected = new Map<string, Hex>();
    for (const key of ['deterministicDeploymentProxy', 'multicall3', 'createx']) {
      const { created } = await replayPresigned(vm, fixture[key].transaction);
      expected.set(created, (await readDeployed(vm, created)).code);
    }
    // The Safe singleton factory's presigned transaction is for chain 31337 (EIP-155): the same code as the proxy.
    expected.set(fixture.safeSingletonFactory.address, expected.get(fixture.deterministicDeploymentProxy.address) as Hex);
    const { salt, initCode, address, senderCreator } = fixture.entryPointV07;
    expect(await create2ViaProxy(vm, salt, initCode)).toBe(address);
    for (const a of [address, senderCreator]) expected.set(a, (await readDeployed(vm, a)).code);
    expected.set(PERMIT2_ADDRESS, permit2Code(chainId));
    for (const [at, code] of expected) {
      expect(keccak256((await clients.publicClient.getCode({ address: at as Hex })) ?? '0x'), at).toBe(keccak256(code));
    }
    expect(keccak256((await clients.publicClient.getCode({ address: fixture.createx.address })) ?? '0x')).toBe(fixture.createx.runtimeCodeHash);
    // Every standard contract of genesis is on the chain with the code the test established (Create2Deployer's only from OP Stack's copy).
    for (const c of standardContracts(chainId)) {
      const onChain = await clients.publicClient.getCode({ address: c.address });
      if (expected.has(c.address)) expect(onChain).toBe(expected.get(c.address));
      else expect(onChain).toBe(c.code);
    }
    const domain = await clients.publicClient.readContract({
      address: PERMIT2_ADDRESS,
      abi: parseAbi(['function DOMAIN_SEPARATOR() view returns (bytes32)']),
      functionName: 'DOMAIN_SEPARATOR',
    });
    expect(domain).toBe(permit2DomainSeparator(chainId));
  });

  it("viem's multicall works with Multicall3's address in the chain definition", async () => {
    const chain: Chain = { ...clients.chain, contracts: { multicall3: { address: '0xcA11bde05977b3631167028862bE2a173976CA11', blockCreated: 0 } } };
    const { createPublicClient, http } = await import('viem');
    const client = createPublicClient({ chain, transport: http(rpcUrl()), batch: { multicall: true } });
    const abi = parseAbi(['function getEthBalance(address) view returns (uint256)', 'function getChainId() view returns (uint256)']);
    const holder = privateKeyToAccount(await fundedKey(parseEther('3'))).address;
    const results = await client.multicall({
      contracts: [
        { address: '0xcA11bde05977b3631167028862bE2a173976CA11', abi, functionName: 'getEthBalance', args: [holder] },
        { address: '0xcA11bde05977b3631167028862bE2a173976CA11', abi, functionName: 'getChainId' },
      ],
    });
    expect(results).toEqual([
      { status: 'success', result: parseEther('3') },
      { status: 'success', result: chainId },
    ]);
  });
});

describe('forge', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'edge-rollup-forge-'));
    cpSync(join(projectRoot, 'test', 'e2e', 'forge'), dir, { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('forge script --broadcast deploys one contract with CREATE and one with CREATE2 (through the deterministic deployment proxy)', async () => {
    const key = await fundedKey();
    const sender = privateKeyToAccount(key).address;
    const nonce = await clients.publicClient.getTransactionCount({ address: sender });
    const salt = keccak256(key);
    const out = await foundry(
      'forge',
      [
        'script',
        'script/Deploy.s.sol:Deploy',
        '--rpc-url',
        rpcUrl(),
        '--private-key',
        key,
        '--broadcast',
        '--offline',
        '--use',
        join(projectRoot, 'scripts', 'bin', 'solc'),
      ],
      { cwd: dir, env: { SALT: BigInt(salt).toString() } },
    );
    expect(out).toMatch(/ONCHAIN EXECUTION COMPLETE & SUCCESSFUL/);
    const broadcast = JSON.parse(readFileSync(join(dir, 'broadcast', 'Deploy.s.sol', String(chainId), 'run-latest.json'), 'utf8'));
    expect(broadcast.receipts).toHaveLength(4);
    for (const r of broadcast.receipts) expect(r.status).toBe('0x1');
    const created = getContractAddress({ from: sender, nonce: BigInt(nonce) });
    const salted = broadcast.transactions[1];
    expect(salted.transactionType).toBe('CREATE2');
    expect(salted.transaction.to.toLowerCase()).toBe(fixture.deterministicDeploymentProxy.address);
    const initCode = `0x${(salted.transaction.input as string).slice(66)}` as Hex;
    const create2 = getContractAddress({ opcode: 'CREATE2', from: fixture.deterministicDeploymentProxy.address, salt, bytecode: initCode });
    const count = parseAbi(['function count() view returns (uint256)']);
    for (const at of [created, create2]) {
      expect(await clients.publicClient.readContract({ address: at, abi: count, functionName: 'count' })).toBe(1n);
    }
  });
});

describe('unprotected (pre-EIP-155) transactions on a local chain', () => {
  it('an unprotected legacy transfer is accepted and included', async () => {
    const account = privateKeyToAccount(await fundedKey(parseEther('1')));
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const gasPrice = BigInt(await rpc<Hex>(rpcUrl(), 'eth_gasPrice'));
    const raw = await account.signTransaction({ type: 'legacy', nonce: 0, to, value: 5n, gas: 21_000n, gasPrice });
    const hash = await rpc<Hex>(rpcUrl(), 'eth_sendRawTransaction', [raw]);
    const receipt = await waitReceipt(clients.publicClient, hash);
    expect(receipt.status).toBe('success');
    expect(await clients.publicClient.getBalance({ address: to })).toBe(5n);
    const tx = await rpc<Record<string, unknown>>(rpcUrl(), 'eth_getTransactionByHash', [hash]);
    expect(tx.v === '0x1b' || tx.v === '0x1c').toBe(true);
    expect(tx.chainId).toBeUndefined();
  });
});

/** Base fee of a block and of its parent. */
async function baseFees(client: Public, blockNumber: bigint): Promise<[bigint, bigint]> {
  const [block, parent] = await Promise.all([client.getBlock({ blockNumber }), client.getBlock({ blockNumber: blockNumber - 1n })]);
  return [block.baseFeePerGas ?? 0n, parent.baseFeePerGas ?? 0n];
}

describe('fees', () => {
  it('cast send --legacy succeeds ten times in a row while the base fee falls after a burst', async () => {
    const { publicClient } = clients;
    // The burst: transactions that loop until they run out of 15M gas, two to a block, each block
    // full: the base fee rises 12.5% a block for 14 blocks (about 5x), then falls once blocks are quiet.
    const burner = privateKeyToAccount(await fundedKey(parseEther('50')));
    const before = (await publicClient.getBlock({ blockTag: 'latest' })).baseFeePerGas ?? 0n;
    const maxFeePerGas = parseGwei('100');
    const raws = await Promise.all(
      Array.from({ length: 28 }, (_, nonce) =>
        burner.signTransaction({
          chainId: Number(chainId),
          type: 'eip1559',
          nonce,
          data: '0x5b600056',
          gas: 15_000_000n,
          maxFeePerGas,
          maxPriorityFeePerGas: 1n,
        }),
      ),
    );
    const hashes = await Promise.all(raws.map((raw) => rpc<Hex>(rpcUrl(), 'eth_sendRawTransaction', [raw])));
    const last = await waitReceipt(publicClient, hashes[hashes.length - 1]);
    const peak = (await publicClient.getBlock({ blockNumber: last.blockNumber })).baseFeePerGas ?? 0n;
    const key = await fundedKey(parseEther('1'));
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const seen: [bigint, bigint][] = [];
    for (let i = 0; i < 10; i++) {
      const sent = JSON.parse(await foundry('cast', ['send', '--legacy', '--json', '--private-key', key, '--rpc-url', rpcUrl(), to, '--value', '1']));
      expect(sent.status).toBe('0x1');
      const [fee, parentFee] = await baseFees(publicClient, BigInt(sent.blockNumber));
      seen.push([fee, parentFee]);
      // It really fell: the block that included it charged less than the block before.
      expect(fee).toBeLessThan(parentFee);
      expect(BigInt(sent.effectiveGasPrice)).toBeGreaterThanOrEqual(fee);
    }
    // The sends rode the fall from the burst: the burst at least tripled the base fee, and the first
    // send's parent charged at most one more full block's rise (1/8) above the last burst block (a
    // block sealed in between, such as the funding of the sender, can carry that rise).
    expect(peak).toBeGreaterThan(before * 3n);
    expect(seen[0][1]).toBeLessThanOrEqual(peak + peak / 8n + 1n);
    expect(seen[0][1]).toBeGreaterThan(before);
    expect(await publicClient.getBalance({ address: to })).toBe(10n);
  });
});
