import { throttledAddress } from './login-throttle.js';

describe('throttledAddress', () => {
  it('keeps IPv4 as it is, and an IPv4-mapped IPv6 address as its IPv4', () => {
    expect(throttledAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(throttledAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts IPv6 by its /64, whatever the spelling', () => {
    expect(throttledAddress('2001:db8:7:1::1')).toBe('2001:db8:7:1::/64');
    expect(throttledAddress('2001:0DB8:0007:0001:ffff:1:2:3')).toBe('2001:db8:7:1::/64');
    expect(throttledAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttledAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(throttledAddress('::1')).toBe('0:0:0:0::/64');
    expect(throttledAddress('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(throttledAddress('2001:db8:7:2::1')).not.toBe(throttledAddress('2001:db8:7:1::1'));
  });

  it('names an unknown address', () => {
    expect(throttledAddress(undefined)).toBe('unknown');
    expect(throttledAddress('')).toBe('unknown');
  });
});
