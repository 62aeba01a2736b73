import { bytesToHex, type Hex } from '../../../core/chain/hex.ts';
import { fromErrorObject } from '../../../core/errors.ts';
import { EMPTY_CODE_HASH } from '../../../core/state/types.ts';
import { address, expectParams } from '../params.ts';
import type { Handler } from './types.ts';

export const eth_getCode: Handler = async (params, c) => {
  const [a, tag] = expectParams(params, 1, 2);
  const addr = address(a);
  const n = await c.existingBlock(tag);
  const fromSequencer = async (): Promise<Hex> => {
    const r = await c.sequencer.code(addr, n);
    if ('error' in r) throw fromErrorObject(r.error);
    return bytesToHex(r.ok);
  };
  if (!(await c.servedByIndex(n))) return fromSequencer();
  return c.indexed(async () => {
    const account = await c.index.account(addr, Number(n));
    if (!account || account.codeHash === EMPTY_CODE_HASH) return '0x';
    return (await c.index.code(account.codeHash)) ?? fromSequencer();
  }, fromSequencer);
};
