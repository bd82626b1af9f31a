/**
 * The allow-list file (INGEST_ALLOW_LIST_FILE): JSON, either an array of
 * entries or `{ "entries": [...] }`, each `{ id, owner, reason, expiresAt?, match }`
 * (libs/ingest-pipeline allow-list.ts). Unknown keys are errors: a typo such as
 * `srcCdir` would otherwise be ignored and silently widen the entry.
 */
import { readFileSync } from 'node:fs';
import { AllowListError, compileAllowList, type AllowListEntry } from '@flowguard/ingest-pipeline';

const ENTRY_KEYS = new Set(['id', 'owner', 'reason', 'expiresAt', 'match', 'comment']);
const MATCH_KEYS = new Set(['cidr', 'srcCidr', 'dstCidr', 'port', 'srcPort', 'dstPort', 'protocol', 'eni', 'account', 'direction', 'tag']);
const NUMERIC = new Set(['port', 'srcPort', 'dstPort', 'protocol']);

export class AllowListFileError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'AllowListFileError';
  }
}

/** Parse and validate allow-list JSON text; throws {@link AllowListFileError} naming the file and entry. */
export function parseAllowList(text: string, file: string): AllowListEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new AllowListFileError(file, `not JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(list)) throw new AllowListFileError(file, 'must be an array of entries or { "entries": [...] }');
  list.forEach((raw, i) => {
    const where = `entry ${i}${typeof (raw as { id?: unknown })?.id === 'string' ? ` (${(raw as { id: string }).id})` : ''}`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new AllowListFileError(file, `${where}: must be an object`);
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!ENTRY_KEYS.has(k)) throw new AllowListFileError(file, `${where}: unknown key "${k}" (known: ${[...ENTRY_KEYS].join(', ')})`);
    for (const k of ['id', 'owner', 'reason'] as const) if (typeof e[k] !== 'string') throw new AllowListFileError(file, `${where}: "${k}" must be a string`);
    if (e['expiresAt'] !== undefined && typeof e['expiresAt'] !== 'string' && typeof e['expiresAt'] !== 'number') {
      throw new AllowListFileError(file, `${where}: "expiresAt" must be an ISO-8601 date or epoch ms`);
    }
    const m = e['match'];
    if (!m || typeof m !== 'object' || Array.isArray(m)) throw new AllowListFileError(file, `${where}: "match" must be an object`);
    for (const [k, v] of Object.entries(m)) {
      if (!MATCH_KEYS.has(k)) throw new AllowListFileError(file, `${where}: unknown match key "${k}" (known: ${[...MATCH_KEYS].join(', ')})`);
      if (NUMERIC.has(k) ? typeof v !== 'number' : typeof v !== 'string') throw new AllowListFileError(file, `${where}: match.${k} must be a ${NUMERIC.has(k) ? 'number' : 'string'}`);
    }
  });
  const entries = list as AllowListEntry[];
  try {
    compileAllowList(entries);
  } catch (e) {
    if (e instanceof AllowListError) throw new AllowListFileError(file, e.message);
    throw e;
  }
  return entries;
}

export function readAllowListFile(file: string): AllowListEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AllowListFileError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseAllowList(text, file);
}
