import { ipv4OfBytes, ipv4OfText } from './ipv4-text';

const TEXTS = [
  '0.0.0.0', '255.255.255.255', '10.0.0.1', '192.168.100.200', '1.2.3.4', '172.31.255.1',
  '010.0.0.1', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.04', '1..2.3', '.1.2.3', '1.2.3.', ' 1.2.3.4', '1.2.3.4 ',
  '1000.1.1.1', '2001:db8::1', '::ffff:1.2.3.4', 'eni-0abc', '123456789012', '', '-', 'é.1.1.1',
];

describe('IPv4 text', () => {
  it('parses dotted quads without leading zeros, from text and from bytes alike', () => {
    const want = [0, 0xffffffff, 0x0a000001, 0xc0a864c8, 0x01020304, 0xac1fff01];
    expect(TEXTS.slice(0, 6).map((t) => ipv4OfText(t))).toEqual(want);
    for (const t of TEXTS) {
      const b = Buffer.from(`xx${t}yy`);
      expect([t, ipv4OfBytes(b, 2, b.length - 2)]).toEqual([t, ipv4OfText(t)]);
    }
    expect(TEXTS.slice(6).every((t) => ipv4OfText(t) === -1)).toBe(true);
  });
});

describe('IPv4 text inside a longer string', () => {
  it('reads [from, to) exactly like the text on its own', () => {
    for (const t of TEXTS) expect([t, ipv4OfText(`xx${t}yy`, 2, t.length + 2)]).toEqual([t, ipv4OfText(t)]);
  });
});
