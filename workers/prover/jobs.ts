export { type ProvingJob, traceKey } from '../../core/proving/job.ts';

export const PROVING_DEAD_LETTER_QUEUE = 'edge-rollup-proving-dlq';
