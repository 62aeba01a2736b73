/**
 * Hostile readers: N clients each keep one eth_call in flight that loops until its gas runs out
 * (JUMPDEST PUSH1 0 JUMP as creation code) at the gas cap (geth's and the chain's default
 * RPC_GAS_CAP, 50M: anvil caps nothing, and 0xffffffffffff would hold it for hours), sending the
 * next as soon as one is answered, for as long as the load beside them runs.
 */
import { type Deadline, DeadlineError } from './util.ts';

/** The looping call: a creation whose init code jumps back to its start forever. */
export const LOOPING_CALL = { data: '0x5b600056', gas: '0x2faf080' };
/** Upper bound on calls per reader, so the readers are bounded in count as well as in time. */
const MAX_CALLS_PER_READER = 100_000;

export interface HostileReaders {
  /** Stops sending; resolves once every reader's call in flight is answered. */
  stop(): Promise<HostileReadsResult>;
}

export interface HostileReadsResult {
  readers: number;
  calls: number;
  /** Answers by error message ('ok' for a result), e.g. geth's "execution aborted (timeout = 5s)". */
  answers: Record<string, number>;
  maxAnswerMs: number;
}

export function startHostileReaders(url: string, readers: number, deadline: Deadline): HostileReaders {
  let stopping = false;
  const answers: Record<string, number> = {};
  let calls = 0;
  let maxAnswerMs = 0;
  const loops = Array.from({ length: readers }, async (_, i) => {
    for (let n = 0; n < MAX_CALLS_PER_READER && !stopping; n++) {
      if (Date.now() > deadline.at) throw new DeadlineError(`timed out: ${deadline.what}`);
      const started = performance.now();
      let answer: string;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'eth_call', params: [LOOPING_CALL, 'latest'] }),
          signal: AbortSignal.timeout(Math.max(1, deadline.at - Date.now())),
        });
        const body = (await res.json()) as { result?: unknown; error?: { message: string } };
        answer = body.error ? body.error.message : 'ok';
      } catch (e) {
        answer = `request failed: ${(e as Error).message}`;
      }
      calls++;
      answers[answer] = (answers[answer] ?? 0) + 1;
      maxAnswerMs = Math.max(maxAnswerMs, performance.now() - started);
    }
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return { readers, calls, answers, maxAnswerMs };
    },
  };
}
