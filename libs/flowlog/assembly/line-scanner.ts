/**
 * The flow-log parser's fast path, compiled to WebAssembly (AssemblyScript:
 * a TypeScript dialect with machine types). See docs/flowlog-parsing.md and
 * ADR 0030.
 *
 * It parses the lines it is sure of and stops at the first line it is not:
 * the TypeScript line parser (line-parser.codegen.ts) parses that line, decides
 * whether and how it is bad, and hands back. So this file only has to accept a
 * subset of what the TypeScript parser accepts, and produce the same row for
 * it; every error message, header switch and edge case stays in one place.
 * The string interning of a batch lives only here, and the TypeScript slow path
 * interns through the exports at the bottom, so ids are shared.
 *
 * Memory: every region comes from the stub runtime's bump allocator; a table
 * that grows is reallocated (the old region is not reused; growth doubles, so
 * the waste is bounded by the final size). Nothing here allocates while
 * parsing unless a table or the arena must grow.
 */

// ---- plan (numbers match field-plan.ts Op / IntTarget) ----
const OP_INT: u8 = 0;
const OP_TEXT: u8 = 1;
const OP_ADDR: u8 = 2;
const OP_ACTION: u8 = 3;
const OP_LOG_STATUS: u8 = 4;
const OP_DIRECTION: u8 = 5;
const OP_TEXT_INT: u8 = 6;

const T_VERSION: u8 = 0;
const T_SRC_PORT: u8 = 1;
const T_DST_PORT: u8 = 2;
const T_PROTOCOL: u8 = 3;
const T_PACKETS: u8 = 4;
const T_BYTES: u8 = 5;
const T_START: u8 = 6;
const T_END: u8 = 7;
const T_TCP_FLAGS: u8 = 8;
const T_TRAFFIC_PATH: u8 = 9;

/** staging columns besides the int targets 0..9 */
const C_ACTION = 10;
const C_LOG_STATUS = 11;
const C_DIRECTION = 12;
const COLUMNS = 13;

/** bytes per plan entry: op u8, target u8, pad, min f64 at 8, max f64 at 16 */
const PLAN_ENTRY = 24;

const FLAG_IP_OK: u8 = 1;
const FLAG_V4: u8 = 2;

let planPtr: usize = 0;
let fieldCount: i32 = 0;
let stageRows: i32 = 0;
/** staging column pointers: int targets 0..9, action, log-status, direction */
let colPtrs: usize = 0;
/** per field: staging text column (u32 ids) or 0 */
let tcolPtrs: usize = 0;
/** per field: id of the previous row's value (0 = none) */
let memo: usize = 0;
/** per field: the previous row's IPv4 and its id (fast path of address fields) */
let memoIp: usize = 0;
let memo4: usize = 0;

let inputPtr: usize = 0;
let inputCap: usize = 0;
let scratchPtr: usize = 0;
let scratchCap: usize = 0;

// results of the last parse()
let outRows: i32 = 0;
let outLines: i32 = 0;
let outNodata: i32 = 0;
let outSkipdata: i32 = 0;
/** 0 = range done, 1 = row limit reached, 2 = stopped before a line the slow path must parse */
let outStatus: i32 = 0;

// ---- interner state (one batch) ----
let slots: usize = 0; // 4 x i32 per slot: hash, id (0 = empty), len, arena offset
let slotMask: i32 = 0;
let slotCount: i32 = 0;
let v4: usize = 0; // 2 x i32 per slot: address, id (0 = empty)
let v4Mask: i32 = 0;
let v4Count: i32 = 0;
let ids: i32 = 0;
let idCap: i32 = 0;
let flags: usize = 0; // u8 by id
let v4ById: usize = 0; // i32 by id
let span: usize = 0; // 2 x i32 by id: arena offset, length
let arena: usize = 0;
let arenaCap: i32 = 0;
let arenaUsed: i32 = 0;
let sawNonAscii: bool = false;
/** the last two IPv4 addresses the fast path resolved, with their ids (0 = none; reset with the batch) */
let recentIp1: u32 = 0;
let recentId1: i32 = 0;
let recentIp2: u32 = 0;
let recentId2: i32 = 0;

function zalloc(bytes: usize): usize {
  const p = heap.alloc(bytes);
  memory.fill(p, 0, bytes);
  return p;
}

@inline function isDelim(c: u32): bool {
  return c == 32 || c == 10 || c == 13;
}

/** Bytes for `len` input bytes; the caller copies its lines there (the last byte must be `\n`). */
export function input(len: i32): usize {
  if (<usize>len > inputCap) {
    inputCap = <usize>len + (<usize>len >> 2);
    inputPtr = heap.alloc(inputCap);
  }
  return inputPtr;
}

/** Bytes for one value the slow path interns. */
export function scratch(len: i32): usize {
  if (<usize>len > scratchCap) {
    scratchCap = max<usize>(256, <usize>len * 2);
    scratchPtr = heap.alloc(scratchCap);
  }
  return scratchPtr;
}

let planCap: i32 = 0;
let fieldCap: i32 = 0;

/** Room for a plan of `n` entries (reused: parsers come and go, the instance stays). */
export function planBuffer(n: i32): usize {
  if (n > planCap) {
    planCap = n;
    planPtr = heap.alloc(<usize>n * PLAN_ENTRY);
  }
  return planPtr;
}

/**
 * Start using the plan written into planBuffer(n), staging at most `rows` rows per parse
 * call. Staging columns are allocated once per column / field index and reused by every plan.
 */
export function usePlan(n: i32, rows: i32): void {
  fieldCount = n;
  if (colPtrs == 0 || rows > stageRows) {
    stageRows = rows;
    colPtrs = heap.alloc(COLUMNS * sizeof<usize>());
    for (let c = 0; c < COLUMNS; c++) store<usize>(colPtrs + c * sizeof<usize>(), heap.alloc(<usize>rows * 8));
    fieldCap = 0; // text staging too
  }
  if (n > fieldCap) {
    tcolPtrs = zalloc(<usize>n * sizeof<usize>());
    for (let k = 0; k < n; k++) store<usize>(tcolPtrs + k * sizeof<usize>(), heap.alloc(<usize>rows * 4));
    memo = zalloc(<usize>n * 4);
    memoIp = zalloc(<usize>n * 4);
    memo4 = zalloc(<usize>n * 4);
    fieldCap = n;
  } else {
    memory.fill(memo, 0, <usize>n * 4);
    memory.fill(memo4, 0, <usize>n * 4);
  }
}

export function column(c: i32): usize {
  return load<usize>(colPtrs + c * sizeof<usize>());
}

export function textColumn(k: i32): usize {
  return load<usize>(tcolPtrs + k * sizeof<usize>());
}

export function rows(): i32 {
  return outRows;
}
export function lines(): i32 {
  return outLines;
}
export function nodata(): i32 {
  return outNodata;
}
export function skipdata(): i32 {
  return outSkipdata;
}
export function status(): i32 {
  return outStatus;
}

/**
 * Parse lines from `pos` (an address in the input region) until `end`, `maxRows`
 * rows, or a line the fast path does not take (status 2, returned position = that
 * line's start). Rows go to the staging columns from index 0.
 */
export function parse(pos: usize, end: usize, maxRows: i32, maxLine: i32): usize {
  const n = fieldCount;
  const plan = planPtr;
  const cols = colPtrs;
  const tcols = tcolPtrs;
  let row = 0;
  let nLines = 0;
  let nd = 0;
  let sd = 0;
  outStatus = 0;
  while (pos < end) {
    if (row >= maxRows) {
      outStatus = 1;
      break;
    }
    const lineStart = pos;
    let c: u32 = load<u8>(pos);
    let ok = true;
    let logStatus: i32 = -1;
    for (let k = 0; k < n; k++) {
      const pe = plan + k * PLAN_ENTRY;
      const op = load<u8>(pe);
      const fs = pos;
      if (op == OP_INT) {
        let v: f64 = 0;
        if (c - 48 > 9) {
          if (c == 45 && isDelim(load<u8>(pos + 1))) {
            c = load<u8>(++pos);
            v = -1;
          } else {
            ok = false;
            break;
          }
        } else {
          v = <f64>(c - 48);
          for (;;) {
            c = load<u8>(++pos);
            const d = c - 48;
            if (d > 9) break;
            v = v * 10 + <f64>d;
          }
          if (!isDelim(c)) {
            ok = false;
            break;
          }
          const mn = load<f64>(pe + 8);
          if (v > load<f64>(pe + 16) || (mn > 0 && v < mn)) {
            ok = false;
            break;
          }
        }
        const t = load<u8>(pe + 1);
        const col = load<usize>(cols + <usize>t * sizeof<usize>());
        switch (t) {
          case T_VERSION:
            store<u8>(col + row, v < 0 ? 0 : <u8>v);
            break;
          case T_SRC_PORT:
          case T_DST_PORT:
            store<i32>(col + (row << 2), <i32>v);
            break;
          case T_PROTOCOL:
          case T_TCP_FLAGS:
            store<i16>(col + (row << 1), <i16>v);
            break;
          case T_PACKETS:
          case T_BYTES:
            store<f64>(col + (row << 3), v);
            break;
          case T_START:
          case T_END:
            store<u32>(col + (row << 2), v < 0 ? 0 : <u32>v);
            break;
          default: // T_TRAFFIC_PATH
            store<i8>(col + row, <i8>v);
        }
      } else if (op == OP_TEXT || op == OP_ADDR || op == OP_TEXT_INT) {
        if (isDelim(c)) {
          ok = false;
          break;
        }
        const tcol = load<usize>(tcols + k * sizeof<usize>()) + (row << 2);
        if (c == 45 && isDelim(load<u8>(pos + 1))) {
          c = load<u8>(++pos);
          store<u32>(tcol, 0);
        } else {
          if (op == OP_ADDR) {
            // IPv4: validate and fold in one pass, intern by the integer
            let ip: u32 = 0;
            let oct: u32 = 0;
            let digits = 0;
            let parts = 0;
            let p = pos;
            let cc = c;
            for (;;) {
              const d = cc - 48;
              if (d < 10) {
                if (digits == 1 && oct == 0) break; // leading zero
                oct = oct * 10 + d;
                digits++;
              } else if (cc == 46 && digits > 0 && digits < 4 && oct < 256 && parts < 3) {
                ip = (ip << 8) | oct;
                parts++;
                oct = 0;
                digits = 0;
              } else break;
              cc = load<u8>(++p);
            }
            if (parts == 3 && digits > 0 && digits < 4 && oct < 256 && isDelim(cc)) {
              ip = (ip << 8) | oct;
              let id: i32;
              // pkt-srcaddr / pkt-dstaddr mostly repeat srcaddr / dstaddr of the same row: the two
              // addresses interned last answer those without a table probe
              if (recentId1 != 0 && recentIp1 == ip) id = recentId1;
              else if (recentId2 != 0 && recentIp2 == ip) id = recentId2;
              else {
                const mk = memo4 + (<usize>k << 2);
                const mi = memoIp + (<usize>k << 2);
                if (load<i32>(mk) == 0 || load<u32>(mi) != ip) {
                  store<i32>(mk, internV4(ip, fs, <i32>(p - fs)));
                  store<u32>(mi, ip);
                }
                id = load<i32>(mk);
              }
              recentIp2 = recentIp1;
              recentId2 = recentId1;
              recentIp1 = ip;
              recentId1 = id;
              store<u32>(tcol, <u32>id);
              pos = p;
              c = cc;
              if (k < n - 1) {
                if (c != 32) {
                  ok = false;
                  break;
                }
                c = load<u8>(++pos);
              }
              continue;
            }
          }
          do c = load<u8>(++pos);
          while (c > 32 || !isDelim(c));
          const len = <i32>(pos - fs);
          let id: i32;
          if (op == OP_ADDR) id = lookupAddr(k, fs, len);
          else {
            if (op == OP_TEXT_INT && !intInRange(fs, pos, load<f64>(pe + 8), load<f64>(pe + 16))) {
              ok = false;
              break;
            }
            id = lookupText(k, fs, len);
          }
          if (id <= 0) {
            ok = false;
            break;
          }
          store<u32>(tcol, <u32>id);
        }
      } else {
        // enums
        while (c > 32 || !isDelim(c)) c = load<u8>(++pos);
        const len = pos - fs;
        let code: i32 = -1;
        if (op == OP_ACTION) {
          if (len == 6 && load<u32>(fs) == 0x45434341 && load<u16>(fs + 4) == 0x5450) code = 1; // ACCEPT
          else if (len == 6 && load<u32>(fs) == 0x454a4552 && load<u16>(fs + 4) == 0x5443) code = 2; // REJECT
          else if (len == 1 && load<u8>(fs) == 45) code = 0;
          if (code < 0) {
            ok = false;
            break;
          }
          store<u8>(load<usize>(cols + C_ACTION * sizeof<usize>()) + row, <u8>code);
        } else if (op == OP_LOG_STATUS) {
          if (len == 2 && load<u16>(fs) == 0x4b4f) code = 0; // OK
          else if (len == 6 && load<u32>(fs) == 0x41444f4e && load<u16>(fs + 4) == 0x4154) code = 1; // NODATA
          else if (len == 8 && load<u64>(fs) == 0x4154414450494b53) code = 2; // SKIPDATA
          else if (len == 1 && load<u8>(fs) == 45) code = 3;
          if (code < 0) {
            ok = false;
            break;
          }
          logStatus = code;
          store<u8>(load<usize>(cols + C_LOG_STATUS * sizeof<usize>()) + row, <u8>code);
        } else {
          if (len == 7 && load<u32>(fs) == 0x72676e69 && load<u16>(fs + 4) == 0x7365 && load<u8>(fs + 6) == 0x73) code = 1; // ingress
          else if (len == 6 && load<u32>(fs) == 0x65726765 && load<u16>(fs + 4) == 0x7373) code = 2; // egress
          else if (len == 1 && load<u8>(fs) == 45) code = 0;
          if (code < 0) {
            ok = false;
            break;
          }
          store<u8>(load<usize>(cols + C_DIRECTION * sizeof<usize>()) + row, <u8>code);
        }
      }
      if (k < n - 1) {
        if (c != 32) {
          ok = false;
          break;
        }
        c = load<u8>(++pos);
      }
    }
    if (ok && c != 10) {
      while (c == 32 || c == 13 || c == 9) c = load<u8>(++pos);
      if (c != 10) ok = false;
    }
    if (!ok || <i32>(pos + 1 - lineStart) > maxLine) {
      pos = lineStart;
      outStatus = 2;
      break;
    }
    pos++;
    row++;
    nLines++;
    if (logStatus == 1) nd++;
    else if (logStatus == 2) sd++;
  }
  outRows = row;
  outLines = nLines;
  outNodata = nd;
  outSkipdata = sd;
  return pos;
}

/** A non-negative decimal integer within [min, max] (a text field validated as a number). */
function intInRange(s: usize, e: usize, mn: f64, mx: f64): bool {
  let v: f64 = 0;
  for (let i = s; i < e; i++) {
    const d: u32 = <u32>load<u8>(i) - 48;
    if (d > 9) return false;
    v = v * 10 + <f64>d;
  }
  return v >= mn && v <= mx;
}

// ---- interning ----

/** Id of a text value, interning it; -1 when it is new and holds a byte outside 1..127 (the caller validates). */
function lookupText(k: i32, p: usize, len: i32): i32 {
  const mk = memo + (<usize>k << 2);
  let id = load<i32>(mk);
  if (id != 0 && same(id, p, len)) return id;
  const h = sampleHash(p, len);
  id = find(p, len, h);
  if (id == 0) {
    if (!isAscii(p, len)) return -1;
    const ip = ipv4Of(p, len);
    id = ip >= 0 ? internV4(<u32>ip, p, len) : add(p, len, h);
  }
  store<i32>(mk, id);
  return id;
}

/** Id of an address value that is not a canonical IPv4; -1 unless it is an IPv6 address. */
function lookupAddr(k: i32, p: usize, len: i32): i32 {
  const mk = memo + (<usize>k << 2);
  let id = load<i32>(mk);
  if (id != 0 && same(id, p, len)) return id;
  const h = sampleHash(p, len);
  id = find(p, len, h);
  if (id == 0 || (load<u8>(flags + id) & FLAG_IP_OK) == 0) {
    if (!isIPv6(p, len)) return -1;
    if (id == 0) id = add(p, len, h);
    store<u8>(flags + id, FLAG_IP_OK);
  }
  store<i32>(mk, id);
  return id;
}

function same(id: i32, p: usize, len: i32): bool {
  const s = span + (<usize>id << 3);
  if (load<i32>(s + 4) != len) return false;
  return bytesEqual(arena + <usize>load<i32>(s), p, len);
}

function bytesEqual(a: usize, b: usize, len: i32): bool {
  let i = 0;
  for (; i + 8 <= len; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  for (; i < len; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** Length plus 12 sampled bytes (first 4, last 8): ids differ in their tails. */
function sampleHash(p: usize, len: i32): i32 {
  let h: i32 = len * 0x9e3779b1;
  if (len >= 8) {
    const w1 = load<i32>(p + len - 4);
    const w2 = load<i32>(p + len - 8);
    const w3 = load<i32>(p);
    h ^= (w1 * 0x85ebca6b) ^ ((w2 ^ (w2 >>> 13)) * 0xc2b2ae35) ^ (w3 * 0x27d4eb2f);
  } else {
    for (let i = 0; i < len; i++) h = (h ^ <i32>load<u8>(p + i)) * 16777619;
  }
  h ^= h >>> 16;
  return h * 0x7feb352d;
}

function find(p: usize, len: i32, h: i32): i32 {
  let i = (h ^ (h >>> 15)) & slotMask;
  for (;;) {
    const at = slots + (<usize>i << 4);
    const id = load<i32>(at, 4);
    if (id == 0) return 0;
    if (load<i32>(at) == h && load<i32>(at, 8) == len && bytesEqual(arena + <usize>load<i32>(at, 12), p, len)) return id;
    i = (i + 1) & slotMask;
  }
  return 0; // not reached: the table is never full
}

function add(p: usize, len: i32, h: i32): i32 {
  const off = arenaUsed;
  const id = append(p, len);
  if (++slotCount * 2 > slotMask + 1) rehash((slotMask + 1) * 2);
  let i = (h ^ (h >>> 15)) & slotMask;
  while (load<i32>(slots + (<usize>i << 4), 4) != 0) i = (i + 1) & slotMask;
  const at = slots + (<usize>i << 4);
  store<i32>(at, h);
  store<i32>(at, id, 4);
  store<i32>(at, len, 8);
  store<i32>(at, off, 12);
  return id;
}

function v4hash(ip: u32): i32 {
  const h = <i32>ip * 0x9e3779b1;
  return h ^ (h >>> 16);
}

export function internV4(ip: u32, p: usize, len: i32): i32 {
  let i = v4hash(ip) & v4Mask;
  for (;;) {
    const at = v4 + (<usize>i << 3);
    const id = load<i32>(at, 4);
    if (id == 0) break;
    if (load<u32>(at) == ip) return id;
    i = (i + 1) & v4Mask;
  }
  const id = append(p, len);
  const at = v4 + (<usize>i << 3);
  store<u32>(at, ip);
  store<i32>(at, id, 4);
  store<u8>(flags + id, FLAG_V4);
  store<i32>(v4ById + (<usize>id << 2), <i32>ip);
  if (++v4Count * 2 > v4Mask + 1) rehashV4((v4Mask + 1) * 2);
  return id;
}

/** Copy a value and its NUL to the arena under a new id. */
function append(p: usize, len: i32): i32 {
  if (arenaUsed + len + 1 > arenaCap) {
    let cap = arenaCap * 2;
    while (cap < arenaUsed + len + 1) cap *= 2;
    const next = heap.alloc(<usize>cap);
    memory.copy(next, arena, <usize>arenaUsed);
    arena = next;
    arenaCap = cap;
  }
  const off = arenaUsed;
  memory.copy(arena + off, p, <usize>len);
  store<u8>(arena + off + len, 0);
  arenaUsed = off + len + 1;
  const id = ++ids;
  if (id >= idCap) growIds(idCap * 2);
  const s = span + (<usize>id << 3);
  store<i32>(s, off);
  store<i32>(s, len, 4);
  return id;
}

function growIds(cap: i32): void {
  const f = zalloc(<usize>cap);
  const v = zalloc(<usize>cap * 4);
  const s = zalloc(<usize>cap * 8);
  memory.copy(f, flags, <usize>idCap);
  memory.copy(v, v4ById, <usize>idCap * 4);
  memory.copy(s, span, <usize>idCap * 8);
  flags = f;
  v4ById = v;
  span = s;
  idCap = cap;
}

function rehash(size: i32): void {
  const old = slots;
  const oldSize = slotMask + 1;
  slots = zalloc(<usize>size << 4);
  slotMask = size - 1;
  for (let j = 0; j < oldSize; j++) {
    const o = old + (<usize>j << 4);
    if (load<i32>(o, 4) == 0) continue;
    const h = load<i32>(o);
    let i = (h ^ (h >>> 15)) & slotMask;
    while (load<i32>(slots + (<usize>i << 4), 4) != 0) i = (i + 1) & slotMask;
    memory.copy(slots + (<usize>i << 4), o, 16);
  }
}

function rehashV4(size: i32): void {
  const old = v4;
  const oldSize = v4Mask + 1;
  v4 = zalloc(<usize>size << 3);
  v4Mask = size - 1;
  for (let j = 0; j < oldSize; j++) {
    const o = old + (<usize>j << 3);
    if (load<i32>(o, 4) == 0) continue;
    let i = v4hash(load<u32>(o)) & v4Mask;
    while (load<i32>(v4 + (<usize>i << 3), 4) != 0) i = (i + 1) & v4Mask;
    store<u64>(v4 + (<usize>i << 3), load<u64>(o));
  }
}

function isAscii(p: usize, len: i32): bool {
  for (let i = 0; i < len; i++) if (<u32>load<u8>(p + i) - 1 >= 127) return false;
  return true;
}

/** A canonical dotted quad (no leading zeros) as a uint32, else -1 (util's ipv4OfBytes rules). */
function ipv4Of(p: usize, len: i32): i64 {
  if (len < 7 || len > 15) return -1;
  let ip: u32 = 0;
  let oct: u32 = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i < len; i++) {
    const c = <u32>load<u8>(p + i);
    const d = c - 48;
    if (d < 10) {
      if (digits == 1 && oct == 0) return -1;
      oct = oct * 10 + d;
      if (++digits > 3 || oct > 255) return -1;
    } else if (c == 46 && digits > 0 && parts < 3) {
      ip = (ip << 8) | oct;
      parts++;
      oct = 0;
      digits = 0;
    } else return -1;
  }
  if (parts != 3 || digits == 0) return -1;
  return <i64>((ip << 8) | oct);
}

function isHex(c: u32): bool {
  return c - 48 < 10 || c - 97 < 6 || c - 65 < 6;
}

/** RFC 4291 text (with `::` and a dotted IPv4 tail), no zone id: ip-address.validator.ts rules. */
function isIPv6(p: usize, len: i32): bool {
  if (len < 2 || len > 45) return false;
  const end = p + len;
  let i = p;
  let groups = 0;
  let compressed = false;
  if (load<u8>(i) == 58) {
    if (load<u8>(i + 1) != 58) return false;
    compressed = true;
    i += 2;
    if (i == end) return true;
  }
  while (i < end) {
    let j = i;
    while (j < end && isHex(load<u8>(j))) j++;
    if (j < end && load<u8>(j) == 46) {
      if (!isIPv4Text(i, end)) return false;
      groups += 2;
      break;
    }
    const n = <i32>(j - i);
    if (n == 0 || n > 4) return false;
    groups++;
    if (j == end) break;
    if (load<u8>(j) != 58) return false;
    if (j + 1 < end && load<u8>(j + 1) == 58) {
      if (compressed) return false;
      compressed = true;
      i = j + 2;
    } else {
      i = j + 1;
      if (i == end) return false;
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

function isIPv4Text(s: usize, e: usize): bool {
  let i = s;
  let parts = 0;
  for (;;) {
    const t = i;
    let v: u32 = 0;
    while (i < e) {
      const d = <u32>load<u8>(i) - 48;
      if (d > 9) break;
      v = v * 10 + d;
      i++;
      if (i - t > 3) return false;
    }
    const n = i - t;
    if (n == 0 || v > 255 || (n > 1 && load<u8>(t) == 48)) return false;
    parts++;
    if (i == e) return parts == 4;
    if (load<u8>(i) != 46 || parts == 4) return false;
    i++;
  }
  return false; // not reached
}

// ---- the slow path's interning (values copied to scratch()) ----

/** Like the fast path's text lookup: id, or -1 when the value is new and not plain ASCII (validate, then addText). */
export function textOf(k: i32, p: usize, len: i32): i32 {
  return lookupText(k, p, len);
}

/** Add a value the caller validated as UTF-8 without NUL (not plain ASCII). */
export function addText(k: i32, p: usize, len: i32): i32 {
  sawNonAscii = true;
  const id = add(p, len, sampleHash(p, len));
  store<i32>(memo + (<usize>k << 2), id);
  return id;
}

/** Id of an address value that is not a canonical IPv4, or -1 when it is not an IPv6 address either. */
export function addrOf(k: i32, p: usize, len: i32): i32 {
  return lookupAddr(k, p, len);
}

// ---- batch hand-over ----

export function idCount(): i32 {
  return ids;
}
export function arenaPtr(): usize {
  return arena;
}
export function arenaLength(): i32 {
  return arenaUsed;
}
export function flagsPtr(): usize {
  return flags;
}
export function v4ByIdPtr(): usize {
  return v4ById;
}
export function nonAscii(): bool {
  return sawNonAscii;
}

/** Forget the batch's values (after the caller copied them out) and the per-field memos. */
export function reset(): void {
  if (slots == 0) {
    slotMask = 1023;
    slots = zalloc(1024 << 4);
    v4Mask = 1023;
    v4 = zalloc(1024 << 3);
    idCap = 1024;
    flags = zalloc(1024);
    v4ById = zalloc(1024 * 4);
    span = zalloc(1024 * 8);
    arenaCap = 16 * 1024;
    arena = heap.alloc(<usize>arenaCap);
  } else {
    if (slotCount > 0) memory.fill(slots, 0, <usize>(slotMask + 1) << 4);
    if (v4Count > 0) memory.fill(v4, 0, <usize>(v4Mask + 1) << 3);
    memory.fill(flags, 0, <usize>min(idCap, ids + 1));
  }
  slotCount = 0;
  v4Count = 0;
  ids = 0;
  recentId1 = 0;
  recentId2 = 0;
  arenaUsed = 0;
  sawNonAscii = false;
  if (memo != 0) {
    memory.fill(memo, 0, <usize>fieldCount * 4);
    memory.fill(memo4, 0, <usize>fieldCount * 4);
  }
}

/** For tests (agreement with node:net): 2 = canonical IPv4, 1 = IPv6 text, 0 = neither. */
export function addressKind(p: usize, len: i32): i32 {
  if (ipv4Of(p, len) >= 0) return 2;
  return isIPv6(p, len) ? 1 : 0;
}
