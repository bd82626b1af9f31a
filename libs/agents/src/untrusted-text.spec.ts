import { displayEntity, quoteUntrusted, sanitizeText } from './untrusted-text';

describe('untrusted text', () => {
  it('strips control, bidi and zero-width characters and collapses whitespace', () => {
    expect(sanitizeText('a\u0000b\u202ec\u200b  d\r\ne')).toBe('a b c d e');
  });
  it('truncates with an ellipsis', () => {
    expect(sanitizeText('abcdef', 4)).toBe('abc…');
  });
  it('quotes as a JSON string literal', () => {
    expect(quoteUntrusted('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
  });
  it('shows identifiers bare and anything else quoted', () => {
    expect(displayEntity('10.0.0.1')).toBe('10.0.0.1');
    expect(displayEntity('2001:db8::1')).toBe('2001:db8::1');
    expect(displayEntity('eni-0abc')).toBe('eni-0abc');
    expect(displayEntity('a b')).toBe('"a b"');
  });
});
