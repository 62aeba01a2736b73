/**
 * The base fee a price quoted now must clear (eth_gasPrice without its tip): the head's base fee,
 * which eth_call and eth_estimateGas apply at latest and pending, and the next block's with the rise
 * one more full block could add (1/8), so a transaction priced at it is included even when another
 * block is sealed before it arrives. With a falling base fee that is the head's: quoting the next
 * block's alone (as before) made cast's estimate fail against the head (docs/decisions/0020).
 */
export function gasPriceBaseFee(head: { baseFeePerGas: bigint }, next: bigint): bigint {
  const withRise = next + (next + 7n) / 8n;
  return head.baseFeePerGas > withRise ? head.baseFeePerGas : withRise;
}

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
