import { describe, expect, it } from 'vitest';
import { retryRead } from '../../core/storage/retry.ts';

describe('retryRead (D1 reads at the edge and in the simulators)', () => {
  it('answers once a failing read succeeds, within four attempts', async () => {
    let calls = 0;
    const value = await retryRead(async () => {
      calls++;
      if (calls < 4) throw new Error(`SQLITE_BUSY ${calls}`);
      return 'rows';
    });
    expect([value, calls]).toEqual(['rows', 4]);
  });

  it('throws the last failure after four attempts, and makes no fifth', async () => {
    let calls = 0;
    await expect(
      retryRead(async () => {
        calls++;
        throw new Error(`no such table: logs (${calls})`);
      }),
    ).rejects.toThrow('no such table: logs (4)');
    expect(calls).toBe(4);
  });
});
