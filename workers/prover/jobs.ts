/** The dead-letter queue of proving jobs, as wrangler.toml names it: the consumer tells its messages apart by it. */
export const PROVING_DEAD_LETTER_QUEUE = 'edge-rollup-proving-dlq';
