import { type Hex, hexToBigInt } from '../../../core/chain/hex.ts';
import { fromErrorObject } from '../../../core/errors.ts';
import { address, expectParams, slotKey } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_getStorageAt: Handler = async (params, c) => {
  const [a, s, tag] = expectParams(params, 2, 3);
  const addr = address(a);
  const slot = slotKey(s);
  const n = await c.existingBlock(tag);
  const fromSequencer = async (): Promise<Hex> => {
    const r = await c.sequencer.storageAt(addr, slot, n);
    if ('error' in r) throw fromErrorObject(r.error);
    return r.ok;
  };
  if (!(await c.servedByIndex(n))) return fromSequencer();
  return c.indexed(
    async () =>
      `0x${hexToBigInt(await c.index.storage(addr, slot, Number(n)))
        .toString(16)
        .padStart(64, '0')}` as Hex,
    fromSequencer,
  );
};
