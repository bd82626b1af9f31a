/**
 * IPv4 / IPv6 syntax checks over bytes, without regular expressions or
 * allocation. The rules match Node's `net.isIP` (dotted quad without leading
 * zeros; RFC 4291 text forms incl. `::` and an IPv4 tail) except that zone
 * ids (`fe80::1%eth0`) are rejected: flow logs never carry them.
 */

export function isIPv4Bytes(b: ArrayLike<number>, start: number, end: number): boolean {
  let i = start;
  let parts = 0;
  for (;;) {
    const s = i;
    let v = 0;
    while (i < end) {
      const d = (b[i] as number) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
    }
    const n = i - s;
    if (n === 0 || n > 3 || v > 255 || (n > 1 && b[s] === 48)) return false;
    parts++;
    if (i === end) return parts === 4;
    if (b[i] !== 46 || parts === 4) return false;
    i++;
  }
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

export function isIPv6Bytes(b: ArrayLike<number>, start: number, end: number): boolean {
  const len = end - start;
  if (len < 2 || len > 45) return false;
  let i = start;
  let groups = 0;
  let compressed = false;
  if (b[i] === 58) {
    if (b[i + 1] !== 58) return false;
    compressed = true;
    i += 2;
    if (i === end) return true; // "::"
  }
  while (i < end) {
    let j = i;
    while (j < end && isHex(b[j] as number)) j++;
    if (j < end && b[j] === 46) {
      // dotted IPv4 tail takes the place of the last two groups
      if (!isIPv4Bytes(b, i, end)) return false;
      groups += 2;
      break;
    }
    const n = j - i;
    if (n === 0 || n > 4) return false;
    groups++;
    if (j === end) break;
    if (b[j] !== 58) return false;
    if (j + 1 < end && b[j + 1] === 58) {
      if (compressed) return false;
      compressed = true;
      i = j + 2;
    } else {
      i = j + 1;
      if (i === end) return false; // trailing single colon
    }
  }
  return compressed ? groups <= 7 : groups === 8;
}

/** True for a syntactically valid IPv4 or IPv6 address. */
export function isIPBytes(b: ArrayLike<number>, start: number, end: number): boolean {
  // an IPv6 text has a colon within its first 5 bytes; IPv4 never has one
  for (let i = start; i < end && i < start + 5; i++) if (b[i] === 58) return isIPv6Bytes(b, start, end);
  return isIPv4Bytes(b, start, end);
}

const scratch = new Uint8Array(64);

/** String form, for the Parquet path and tests. */
export function isIPString(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 45) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return false;
    scratch[i] = c;
  }
  return isIPBytes(scratch, 0, n);
}
