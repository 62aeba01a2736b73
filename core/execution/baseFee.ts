/** EIP-1559 base fee of the next block from its parent, never below the configured floor. */
export function nextBaseFee(parent: { baseFeePerGas: bigint; gasUsed: bigint; gasLimit: bigint }, floor: bigint): bigint {
  const target = parent.gasLimit / 2n;
  const base = parent.baseFeePerGas;
  let next = base;
  if (parent.gasUsed > target) {
    const delta = (base * (parent.gasUsed - target)) / target / 8n;
    next = base + (delta > 0n ? delta : 1n);
  } else if (parent.gasUsed < target) {
    next = base - (base * (target - parent.gasUsed)) / target / 8n;
  }
  return next < floor ? floor : next;
}
