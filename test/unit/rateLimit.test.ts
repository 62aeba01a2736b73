import { describe, expect, it } from 'vitest';
import { addressKey } from '../../workers/rpc/rateLimit.ts';

describe('addressKey: what a client address is rate limited by', () => {
  it('an IPv4 address is its own key', () => {
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('192.0.2.8')).not.toBe(addressKey('192.0.2.7'));
  });

  it('every spelling of an IPv6 address in one /64 gives one key; the next /64 another', () => {
    const keys = ['2001:db8:1:2::1', '2001:0DB8:0001:0002:0:0:0:ffff', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::'].map(addressKey);
    expect(new Set(keys)).toEqual(new Set(['2001:db8:1:2::/64']));
    expect(addressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });

  it('an IPv4-mapped IPv6 address counts as its IPv4 address, not as the /64 all of them share', () => {
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('::ffff:c000:207')).toBe('192.0.2.7');
    expect(addressKey('::ffff:192.0.2.8')).not.toBe(addressKey('::ffff:192.0.2.7'));
  });

  it('a missing header is one shared key; a value that is no address is kept as it is', () => {
    expect(addressKey(null)).toBe('unknown');
    expect(addressKey('')).toBe('unknown');
    for (const v of ['1:2:3', '1::2::3', '12345::1', 'g::1', '1:2:3:4:5:6:7:8:9', '::ffff:300.1.1.1']) expect(addressKey(v)).toBe(v);
  });
});
