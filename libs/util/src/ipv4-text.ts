/**
 * Dotted-quad IPv4 text → uint32, from a string or from UTF-8 bytes, with the
 * same rules everywhere in the repo (the flow-log parser, the filters and the
 * threat-intel sets): four decimal parts of 1–3 digits, each ≤ 255, no leading
 * zeros (`010` is ambiguous octal), nothing else. Text and value therefore map
 * one to one: the canonical text of a value is its only text.
 */

/** The value of dotted-quad IPv4 text (all of `s`, or [from, to)) as an unsigned 32-bit number, or -1. */
export function ipv4OfText(s: string, from = 0, to = s.length): number {
  const len = to - from;
  if (len < 7 || len > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255 || ++digits > 3) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

/** Like {@link ipv4OfText} for bytes [start, end) of UTF-8 text (a copy of the loop: one monomorphic reader each). */
export function ipv4OfBytes(b: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len < 7 || len > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255 || ++digits > 3) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}
