/**
 * Format strings (`${version} ${account-id} ...`) and S3 header lines
 * (`version account-id ...`), compiled into the per-field plan the parser runs.
 */
import { FieldSpec, fieldSpec, isFieldNameSyntax, knownField } from '../fields/field-registry';

/** The default (v2) format. AWS does not allow it to change. */
export const DEFAULT_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

export interface CompiledFormat {
  /** canonical `${a} ${b}` text */
  readonly format: string;
  /** hyphenated names in order */
  readonly names: readonly string[];
  readonly fields: readonly FieldSpec[];
  /** highest version among known fields (at least 2): what AWS writes into `version` */
  readonly version: number;
  /** names not in the registry; kept as text columns */
  readonly unknownFields: readonly string[];
}

export class FormatError extends Error {
  readonly reason = 'bad_format' as const;
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

const cache = new Map<string, CompiledFormat>();

/**
 * Compile a `${field}` format string. Throws {@link FormatError} naming the
 * offending token for anything AWS would not accept (plus duplicates).
 */
export function compileFormat(format: string): CompiledFormat {
  if (typeof format !== 'string') throw new FormatError('format must be a string');
  const hit = cache.get(format);
  if (hit) return hit;
  const trimmed = format.trim();
  if (trimmed === '') throw new FormatError('format is empty: it needs at least one ${field}');
  const tokens = trimmed.split(/\s+/);
  const names: string[] = [];
  for (const token of tokens) {
    if (!token.startsWith('${') || !token.endsWith('}') || token.length < 4) {
      throw new FormatError(`bad format token "${token}": expected \${field-name} tokens separated by spaces`);
    }
    names.push(token.slice(2, -1));
  }
  const compiled = compileFields(names, 'format');
  if (cache.size > 256) cache.clear();
  cache.set(format, compiled);
  return compiled;
}

/** Compile an ordered list of field names (from a header line or a Parquet schema). */
export function compileFields(rawNames: readonly string[], what: 'format' | 'header' | 'parquet' = 'format'): CompiledFormat {
  if (rawNames.length === 0) throw new FormatError(`${what} has no fields`);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const raw of rawNames) {
    if (!isFieldNameSyntax(raw)) {
      throw new FormatError(`bad field name "${raw}" in ${what}: use lowercase letters, digits and hyphens`);
    }
    // AWS names never contain underscores; Athena/Parquet spellings map onto them
    const name = raw.replace(/_/g, '-');
    if (seen.has(name)) throw new FormatError(`field "${name}" appears twice in ${what}`);
    seen.add(name);
    names.push(name);
  }
  const fields = names.map(fieldSpec);
  let version = 2;
  for (const f of fields) if (f.version > version) version = f.version;
  return {
    format: names.map((n) => '${' + n + '}').join(' '),
    names,
    fields,
    version,
    unknownFields: fields.filter((f) => f.unknown).map((f) => f.name),
  };
}

/**
 * If `line` is an S3 header line (hyphenated field names separated by single
 * spaces, at least one of them a known field), return its names; else null.
 * Data lines fail this test: they contain digits-first tokens, dots,
 * upper-case enum values, or only names the registry does not know.
 */
export function parseHeaderLine(line: string): string[] | null {
  let end = line.length;
  while (end > 0) {
    const c = line.charCodeAt(end - 1);
    if (c !== 13 && c !== 10 && c !== 32 && c !== 9) break;
    end--;
  }
  let start = 0;
  if (line.charCodeAt(0) === 0xfeff) start = 1; // BOM
  if (end <= start || end - start > 4096) return null;
  const tokens = line.slice(start, end).split(' ');
  let known = 0;
  const seen = new Set<string>();
  for (const t of tokens) {
    if (!isFieldNameSyntax(t)) return null;
    const name = t.replace(/_/g, '-');
    if (seen.has(name)) return null;
    seen.add(name);
    if (knownField(name)) known++;
  }
  return known > 0 ? tokens.map((t) => t.replace(/_/g, '-')) : null;
}

export function sameFields(a: CompiledFormat, b: CompiledFormat): boolean {
  return a.names.length === b.names.length && a.names.every((n, i) => n === b.names[i]);
}
