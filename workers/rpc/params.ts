import type { Hex } from '../../core/chain/hex.ts';
import { InvalidParamsError } from '../../core/errors.ts';
import type { CallRequest } from '../../core/execution/call.ts';

const HEX_DATA = /^0x([0-9a-fA-F]{2})*$/;
const QUANTITY = /^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/;
const LENIENT_QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;

export function expectParams(params: unknown, min: number, max: number): unknown[] {
  const list = params === undefined ? [] : params;
  if (!Array.isArray(list)) throw new InvalidParamsError('params must be an array');
  if (list.length < min) throw new InvalidParamsError(`missing value for required argument ${list.length}`);
  if (list.length > max) throw new InvalidParamsError(`too many arguments, want at most ${max}`);
  return list;
}

export function address(v: unknown, name = 'address'): Hex {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw new InvalidParamsError(`invalid ${name}: expected a 20-byte hex string`);
  return v.toLowerCase() as Hex;
}

export function hash32(v: unknown, name = 'hash'): Hex {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v)) throw new InvalidParamsError(`invalid ${name}: expected a 32-byte hex string`);
  return v.toLowerCase() as Hex;
}

export function data(v: unknown, name = 'data'): Hex {
  if (typeof v !== 'string' || !HEX_DATA.test(v)) throw new InvalidParamsError(`invalid ${name}: expected 0x-prefixed hex bytes`);
  return v.toLowerCase() as Hex;
}

/** A JSON-RPC quantity. Clients send leading zeros in places; accepted when `lenient`. */
export function quantity(v: unknown, name: string, lenient = true): bigint {
  if (typeof v !== 'string' || !(lenient ? LENIENT_QUANTITY : QUANTITY).test(v)) throw new InvalidParamsError(`invalid ${name}: expected a hex quantity`);
  return BigInt(v);
}

const MAX_UINT64 = 2n ** 64n - 1n;

/** A quantity that must fit in 64 bits, as geth's hexutil.Uint64 fields (gas, nonces). */
export function uint64(v: unknown, name: string): bigint {
  const n = quantity(v, name);
  if (n > MAX_UINT64) throw new InvalidParamsError(`invalid ${name}: does not fit in 64 bits`);
  return n;
}

/** A transaction nonce: below 2^64 - 1 (EIP-2681). */
function nonce(v: unknown, name: string): bigint {
  const n = uint64(v, name);
  if (n === MAX_UINT64) throw new InvalidParamsError(`invalid ${name}: at most 2^64 - 2 (EIP-2681)`);
  return n;
}

const object = (v: unknown, name: string): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidParamsError(`invalid ${name}: expected an object`);
  return v as Record<string, unknown>;
};

export function bool(v: unknown, name: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new InvalidParamsError(`invalid ${name}: expected a boolean`);
  return v;
}

/** Storage slot keys: any hex up to 32 bytes, normalized to a 32-byte word. */
export function slotKey(v: unknown): Hex {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(v)) throw new InvalidParamsError('invalid storage key: expected up to 32 bytes of hex');
  return `0x${v.slice(2).toLowerCase().padStart(64, '0')}` as Hex;
}

/** The transaction call object of eth_call, eth_estimateGas and eth_createAccessList. */
export function callRequest(v: unknown): CallRequest {
  const o = object(v, 'call object');
  const input = o.input ?? o.data;
  if (o.input !== undefined && o.data !== undefined && data(o.input ?? '0x', 'input') !== data(o.data ?? '0x', 'data')) {
    throw new InvalidParamsError('both "data" and "input" are set and not equal. Please use "input" to pass transaction call data');
  }
  const opt = <T>(key: string, parse: (x: unknown, n: string) => T): T | undefined =>
    o[key] === undefined || o[key] === null ? undefined : parse(o[key], key);
  const req: CallRequest = {
    from: opt('from', address),
    to: o.to === null ? null : opt('to', address),
    gas: opt('gas', uint64),
    gasPrice: opt('gasPrice', quantity),
    maxFeePerGas: opt('maxFeePerGas', quantity),
    maxPriorityFeePerGas: opt('maxPriorityFeePerGas', quantity),
    value: opt('value', quantity),
    nonce: opt('nonce', nonce),
    data: input === undefined || input === null ? undefined : data(input, 'input'),
  };
  if (o.accessList !== undefined && o.accessList !== null) {
    if (!Array.isArray(o.accessList)) throw new InvalidParamsError('invalid accessList: expected an array');
    req.accessList = o.accessList.map((entry: unknown) => {
      const e = object(entry, 'accessList entry');
      if (e.storageKeys !== undefined && e.storageKeys !== null && !Array.isArray(e.storageKeys)) {
        throw new InvalidParamsError('invalid accessList storageKeys: expected an array');
      }
      return {
        address: address(e.address, 'accessList address'),
        storageKeys: ((e.storageKeys as unknown[] | null | undefined) ?? []).map((k: unknown) => hash32(k, 'storage key')),
      };
    });
  }
  if (o.authorizationList !== undefined && o.authorizationList !== null) {
    if (!Array.isArray(o.authorizationList)) throw new InvalidParamsError('invalid authorizationList: expected an array');
    req.authorizationList = o.authorizationList.map((entry: unknown) => {
      const a = object(entry, 'authorization');
      return {
        chainId: quantity(a.chainId, 'authorization chainId'),
        address: address(a.address, 'authorization address'),
        nonce: nonce(a.nonce, 'authorization nonce'),
        yParity: quantity(a.yParity ?? a.v ?? '0x0', 'authorization yParity'),
        r: quantity(a.r, 'authorization r'),
        s: quantity(a.s, 'authorization s'),
      };
    });
  }
  if (req.gasPrice !== undefined && (req.maxFeePerGas !== undefined || req.maxPriorityFeePerGas !== undefined)) {
    throw new InvalidParamsError('both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified');
  }
  if (req.maxFeePerGas !== undefined && req.maxPriorityFeePerGas !== undefined && req.maxFeePerGas < req.maxPriorityFeePerGas) {
    throw new InvalidParamsError(`maxFeePerGas (${req.maxFeePerGas}) < maxPriorityFeePerGas (${req.maxPriorityFeePerGas})`);
  }
  return req;
}
