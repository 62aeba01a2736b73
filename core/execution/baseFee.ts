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

/**
 * Base fee of the block after `parent`: EIP-1559 from the parent's gas used against half its gas
 * limit, never below the configured floor. Block 1 keeps the genesis base fee (the genesis used no
 * gas, and its base fee is the chain's configured start). The sequencer prices blocks with it and
 * the prover checks every block's base fee with it.
 */
export function nextBaseFee(parent: { number: bigint; baseFeePerGas: bigint; gasUsed: bigint; gasLimit: bigint }, floor: bigint): bigint {
  const base = parent.baseFeePerGas;
  if (parent.number === 0n) return base;
  const target = parent.gasLimit / 2n;
  let next = base;
  if (parent.gasUsed > target) {
    const delta = (base * (parent.gasUsed - target)) / target / 8n;
    next = base + (delta > 0n ? delta : 1n);
  } else if (parent.gasUsed < target) {
    next = base - (base * (target - parent.gasUsed)) / target / 8n;
  }
  return next < floor ? floor : next;
}
