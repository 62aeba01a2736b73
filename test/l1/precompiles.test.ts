/**
 * Every precompile of the Prague rules, differentially against anvil (revm, run with
 * `--hardfork prague`): each input goes to anvil by `eth_call` and to this chain's call simulation
 * (a SequencerCore over node:sqlite and the call simulator over it), both directly and through a probe that
 * STATICCALLs the precompile with a fixed gas and returns success, gas used and return data, so
 * failures and gas charged are compared too, not only return data. Each precompile gets valid
 * inputs and at least one invalid one; the expected success of each case is asserted as well, so
 * that agreement cannot come from both sides failing alike.
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChainConfig } from '../../core/chain/config.ts';
import { bytesToHex, type Hex } from '../../core/chain/hex.ts';
import { RpcError } from '../../core/errors.ts';
import { SequencerCore } from '../../core/sequencer/sequencer.ts';
import type { SimulatorCore } from '../../core/simulation/simulator.ts';
import { type Anvil, startAnvil } from '../../scripts/lib/anvil.ts';
import { JsonRpcCallError, rpc } from '../../scripts/lib/rpc.ts';
import { devAccount } from '../support/accounts.ts';
import { nodeSql } from '../support/nodeSql.ts';
import { ABC, address, blake2fInput, type Case, cat, hex, precompileCases } from '../support/precompiles.ts';
import { simulatorOver } from '../support/simulator.ts';

const DEFAULT_PROBE_GAS = 10_000_000n;

/**
 * Creation code that copies its trailing bytes (the input) to memory, STATICCALLs `to` with `gas`,
 * and returns abi-like words: success, gas used by the call (GAS before and after), return data
 * size, then the return data. As an `eth_call` without `to`, it needs no deployment on either side.
 */
function probe(to: Hex, gas: bigint, input: Hex): Hex {
  const body = (len: string) =>
    [
      `60${len}3803`, // n = CODESIZE - len
      `8060${len}600039`, // CODECOPY(0, len, n)
      '5a', // gas before
      '60006000836000', // retSize 0, retOffset 0, argsSize n, argsOffset 0
      `73${to.slice(2)}`,
      `63${hex(gas, 4)}`,
      'fa', // STATICCALL
      '5a9060005290036020523d80604052', // MSTORE(0, success), MSTORE(32, before - after), MSTORE(64, RETURNDATASIZE)
      '600060603e', // RETURNDATACOPY(96, 0, RETURNDATASIZE)
      '3d6060016000f3', // RETURN(0, 96 + RETURNDATASIZE)
    ].join('');
  const len = hex(BigInt(body('00').length / 2), 1);
  return cat(body(len), input);
}

let anvil: Anvil;
let queries: SimulatorCore;
let head: bigint;
let cases: Case[];

beforeAll(async () => {
  anvil = await startAnvil({ args: ['--hardfork', 'prague'] });
  const seq = new SequencerCore(nodeSql(), parseChainConfig({ DEV_CHAIN: '1' }));
  await seq.init();
  queries = simulatorOver(seq);
  head = seq.headNumber;
  cases = await precompileCases();
});

afterAll(async () => {
  await anvil?.stop();
});

type Answer = { ok: true; data: Hex } | { ok: false; code: number; message: string };

async function onAnvil(call: { to?: Hex; data: Hex }): Promise<Answer> {
  try {
    return { ok: true, data: await rpc<Hex>(anvil.url, 'eth_call', [call, 'latest']) };
  } catch (e) {
    if (!(e instanceof JsonRpcCallError)) throw e;
    return { ok: false, code: e.code, message: e.message };
  }
}

async function onChain(call: { to?: Hex; data: Hex }): Promise<Answer> {
  try {
    return { ok: true, data: await queries.call(call, head) };
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    return { ok: false, code: e.code, message: e.message };
  }
}

describe('Prague precompiles, differentially against anvil', () => {
  it('gives every case the same success, gas used and return data as anvil, through a STATICCALL probe', async () => {
    for (let n = 1; n <= 0x11; n++) {
      const of = cases.filter((c) => c.to === address(n));
      expect(of.some((c) => c.ok) && of.some((c) => !c.ok), `valid and invalid inputs for precompile ${n}`).toBe(true);
    }
    for (const c of cases) {
      const code = probe(c.to, c.gas ?? DEFAULT_PROBE_GAS, c.input);
      const [expected, actual] = [await onAnvil({ data: code }), await onChain({ data: code })];
      expect(actual, c.name).toEqual(expected);
      if (!expected.ok) throw new Error(`${c.name}: the probe itself failed on anvil`);
      expect(BigInt(expected.data.slice(0, 66)) === 1n, `${c.name}: success`).toBe(c.ok);
    }
  });

  it('answers direct eth_calls to each precompile as anvil does', async () => {
    for (const c of cases) {
      const [expected, actual] = [await onAnvil({ to: c.to, data: c.input }), await onChain({ to: c.to, data: c.input })];
      expect(actual.ok, c.name).toBe(expected.ok);
      if (expected.ok && actual.ok) expect(actual.data, c.name).toBe(expected.data);
      // anvil answers a failed precompile with -32603; bad input is never an internal error here.
      if (!actual.ok) expect(actual.code, c.name).not.toBe(-32603);
    }
  });

  it('computes blake2f and ecrecover as their references do (so agreement is not shared error)', async () => {
    const blake = await onChain({ to: address(9), data: blake2fInput(12, ABC, 1) });
    expect(blake).toEqual({ ok: true, data: bytesToHex(blake2b(ABC)) });
    const ecrecover = cases.find((c) => c.name === 'ecrecover of a valid signature');
    const recovered = await onChain({ to: address(1), data: ecrecover?.input ?? '0x' });
    expect(recovered).toEqual({ ok: true, data: cat(hex(0n, 12), devAccount(3).address.toLowerCase()) });
  });
});
