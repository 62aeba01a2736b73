/**
 * core/settlement/l1Abi.ts (what the Worker bundles) against solc's ABIs of contracts/l1: the
 * same items, each with the same name, parameter types and names, indexed flags, mutability and
 * outputs. No anvil needed.
 */
import type { Abi, AbiParameter } from 'viem';
import { describe, expect, it } from 'vitest';
import { BATCH_COMMITMENT_ABI } from '../../core/batches/commitment.ts';
import { bridgeAbi, rollupAbi, verifierAbi } from '../../core/settlement/l1Abi.ts';
import { l1Artifacts } from '../../scripts/lib/l1.ts';

function param(p: AbiParameter & { indexed?: boolean }): string {
  const type = p.type.startsWith('tuple') && 'components' in p ? `(${p.components.map(param).join(', ')})${p.type.slice(5)}` : p.type;
  return [type, p.indexed ? 'indexed' : '', p.name ?? ''].filter(Boolean).join(' ');
}

/** One canonical line per ABI item. */
function signatures(abi: Abi): string[] {
  return abi
    .map((item) => {
      switch (item.type) {
        case 'function':
          return `function ${item.name}(${item.inputs.map(param).join(', ')}) ${item.stateMutability} returns (${item.outputs.map(param).join(', ')})`;
        case 'event':
          return `event ${item.name}(${item.inputs.map(param).join(', ')})${item.anonymous ? ' anonymous' : ''}`;
        case 'error':
          return `error ${item.name}(${item.inputs.map(param).join(', ')})`;
        case 'constructor':
          return `constructor(${item.inputs.map(param).join(', ')}) ${item.stateMutability}`;
        default:
          return `${item.type} ${item.stateMutability}`;
      }
    })
    .sort();
}

describe('runtime ABIs (core/settlement/l1Abi.ts)', () => {
  const art = l1Artifacts();
  it.each([
    ['Rollup', rollupAbi, art.rollup.abi],
    ['Bridge', bridgeAbi, art.bridge.abi],
    ['ThresholdVerifier', verifierAbi, art.verifier.abi],
  ] as const)('%s matches the compiled ABI item for item', (_, runtime, compiled) => {
    const ours = signatures(runtime as Abi);
    expect(new Set(ours).size).toBe(ours.length);
    expect(ours).toEqual(signatures(compiled));
  });

  it('BatchCommitment is the struct core/batches/commitment.ts encodes', () => {
    const hashBatch = rollupAbi.find((i) => i.type === 'function' && i.name === 'hashBatch');
    expect(hashBatch && param(hashBatch.inputs[0] as AbiParameter).replace(/ batch$/, '')).toBe(param(BATCH_COMMITMENT_ABI[0]));
  });
});
