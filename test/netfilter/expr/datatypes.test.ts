/** How nft's datatypes read literals: each test is one fact about nft's parsing. */
import { describe, expect, it } from 'vitest';
import {
  bytesToBigInt,
  formatValue,
  NotDecidable,
  parseLiteral,
  parseValue,
  TYPES,
  typeByName,
} from '../../../src/netfilter/expr/datatypes.ts';
import { TC_HANDLE } from '../../../src/netfilter/expr/values.ts';

const n = (t: Parameters<typeof parseValue>[0], text: string) =>
  Number(bytesToBigInt(parseValue(t, text)));

describe('integers', () => {
  it("numbers are read as nft's scanner reads them: hex, a leading 0 octal (nft: meta mark 010 = 0x8)", () => {
    expect(n(TYPES.mark, '0x10')).toBe(16);
    expect(n(TYPES.mark, '010')).toBe(8);
    expect(n(TYPES.mark, '4294967295')).toBe(0xffffffff);
    // The scanner has no binary numbers (`0b101` is 0, then the word b101), and `08` is no
    // octal number; a port of such digits is decimal, as getaddrinfo reads it.
    expect(() => parseValue(TYPES.mark, '0b101')).toThrow(NotDecidable);
    expect(() => parseValue(TYPES.mark, '08')).toThrow(NotDecidable);
    expect(n(TYPES.inet_service, '08')).toBe(8);
    expect(n(TYPES.inet_service, '010')).toBe(8);
  });
  it('a value wider than the field is refused', () => {
    expect(() => parseValue(TYPES.inet_service, '70000')).toThrow(NotDecidable);
    expect(() => parseValue(TYPES.mark, '0x100000000')).toThrow(/does not fit/);
  });
  it('service names come from a fixed table; unknown names are unsupported', () => {
    expect(n(TYPES.inet_service, 'https')).toBe(443);
    expect(n(TYPES.inet_service, 'domain')).toBe(53);
    expect(n(TYPES.inet_service, 'radius')).toBe(1812);
    expect(() => parseValue(TYPES.inet_service, 'gopher-plus')).toThrow(/unknown service name/);
  });
  it('protocol names as /etc/protocols spells them', () => {
    expect(n(TYPES.inet_proto, 'ipv6-icmp')).toBe(58);
    expect(n(TYPES.inet_proto, 'esp')).toBe(50);
    expect(n(TYPES.inet_proto, 'sctp')).toBe(132);
  });
  it('port ranges, and names with dashes are not ranges', () => {
    const r = parseLiteral(TYPES.inet_service, '1024-65535');
    expect([Number(bytesToBigInt(r.low)), Number(bytesToBigInt(r.high))]).toEqual([1024, 65535]);
    expect(n(TYPES.inet_service, 'ftp-data')).toBe(20);
    expect(n(TYPES.icmp_type, 'destination-unreachable')).toBe(3);
  });
  it('tc handles are major:minor in hex', () => {
    expect(n(TC_HANDLE, '1:10')).toBe(0x10010);
    expect(n(TC_HANDLE, 'root')).toBe(0xffffffff);
  });
});

describe('bitmasks', () => {
  it('ct state bits are the kernel NF_CT_STATE_BIT values', () => {
    expect(n(TYPES.ct_state, 'invalid')).toBe(1);
    expect(n(TYPES.ct_state, 'established')).toBe(2);
    expect(n(TYPES.ct_state, 'related')).toBe(4);
    expect(n(TYPES.ct_state, 'new')).toBe(8);
    expect(n(TYPES.ct_state, 'untracked')).toBe(64);
    expect(n(TYPES.ct_state, 'established,related')).toBe(6);
  });
  it('ct status and tcp flags', () => {
    expect(n(TYPES.ct_status, 'seen-reply')).toBe(2);
    expect(n(TYPES.ct_status, 'dnat')).toBe(32);
    expect(n(TYPES.ct_status, 'dying')).toBe(512);
    expect(n(TYPES.tcp_flag, 'fin,syn,rst,ack')).toBe(0x17);
  });
  it('bitmask values print as their names', () => {
    expect(formatValue({ type: TYPES.ct_state, bytes: parseValue(TYPES.ct_state, 'new') })).toBe(
      'new',
    );
    expect(
      formatValue({ type: TYPES.tcp_flag, bytes: parseValue(TYPES.tcp_flag, 'syn,ack') }),
    ).toBe('syn,ack');
  });
  it('a name that is not a bit of the type is refused', () => {
    expect(() => parseValue(TYPES.ct_state, 'xxx')).toThrow(/not a valid ct_state/);
  });
});

describe('addresses', () => {
  it('IPv4 addresses only in dotted-quad form: host names are not resolved', () => {
    expect([...parseValue(TYPES.ipv4_addr, '192.0.2.1')]).toEqual([192, 0, 2, 1]);
    expect(() => parseValue(TYPES.ipv4_addr, 'example.com')).toThrow(/host names/);
    expect(() => parseValue(TYPES.ipv4_addr, '10.1')).toThrow(NotDecidable);
  });
  it('prefixes that do not end on a byte boundary', () => {
    const p = parseLiteral(TYPES.ipv4_addr, '10.0.0.0/23');
    expect(formatValue({ type: TYPES.ipv4_addr, bytes: p.high })).toBe('10.0.1.255');
    const q = parseLiteral(TYPES.ipv4_addr, '10.0.3.7/23');
    expect(formatValue({ type: TYPES.ipv4_addr, bytes: q.low })).toBe('10.0.2.0');
  });
  it('IPv6: any written form, brackets allowed, ranges split at the last dash', () => {
    expect(
      formatValue({ type: TYPES.ipv6_addr, bytes: parseValue(TYPES.ipv6_addr, '[2001:DB8:0::1]') }),
    ).toBe('2001:db8::1');
    const r = parseLiteral(TYPES.ipv6_addr, '2001:db8::1-2001:db8::ff');
    expect(formatValue({ type: TYPES.ipv6_addr, bytes: r.high })).toBe('2001:db8::ff');
  });
  it('Ethernet addresses', () => {
    expect([...parseValue(TYPES.ether_addr, '02:42:ac:11:00:02')]).toEqual([
      2, 0x42, 0xac, 0x11, 0, 2,
    ]);
    expect(() => parseValue(TYPES.ether_addr, '02:42:ac:11:00')).toThrow(NotDecidable);
  });
});

describe('interface names', () => {
  it('are 16 bytes, NUL padded; a trailing * is a prefix match, \\* a literal star', () => {
    const w = parseLiteral(TYPES.ifname, 'eth*');
    expect(w.low.length).toBe(16);
    expect([...w.low.slice(0, 4)]).toEqual([101, 116, 104, 0]);
    expect(w.high[3]).toBe(0xff);
    const lit = parseLiteral(TYPES.ifname, 'eth\\*');
    expect(lit.low).toEqual(lit.high);
    expect(formatValue({ type: TYPES.ifname, bytes: lit.low })).toBe('eth*');
  });
  it('a name of 16 bytes or more does not fit IFNAMSIZ', () => {
    expect(() => parseValue(TYPES.ifname, 'a-very-long-ifname')).toThrow(NotDecidable);
  });
});

describe('set type names', () => {
  it('resolve to the same datatypes the left-hand sides use', () => {
    expect(typeByName('ipv4_addr')).toBe(TYPES.ipv4_addr);
    expect(typeByName('ifname')).toBe(TYPES.ifname);
    expect(typeByName('inet_service')).toBe(TYPES.inet_service);
    expect(typeByName('no_such_type')).toBeUndefined();
  });
});
