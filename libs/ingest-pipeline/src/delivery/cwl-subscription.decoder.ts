/**
 * Decodes what a CloudWatch Logs subscription filter delivers to Kinesis Data
 * Streams and Firehose: gzip (level 6) of JSON
 * `{owner, logGroup, logStream, subscriptionFilters[], messageType, logEvents[{id,timestamp,message}]}`.
 * `CONTROL_MESSAGE` is a reachability probe without events and is dropped.
 * The same record bytes may instead be plain flow-log text (direct Firehose
 * delivery, or Firehose's own CloudWatchLogProcessing already extracted the
 * messages), or the decompressed JSON (Firehose Decompression without
 * extraction). {@link decodeDeliveryRecord} tells these apart.
 */
import { gunzipSync } from 'node:zlib';

export interface CwlLogEvent {
  readonly id: string;
  readonly timestamp: number;
  readonly message: string;
}

export type DeliveryRecord =
  | { readonly kind: 'lines'; readonly lines: string[]; readonly cwl?: { readonly owner: string; readonly logGroup: string; readonly logStream: string } }
  | { readonly kind: 'control' }
  | { readonly kind: 'error'; readonly reason: 'gzip_error' | 'cwl_payload_error' | 'decode_error'; readonly message: string };

/** gzip bombs: a subscription payload is at most ~1 MB of events; allow generous headroom */
export const DEFAULT_MAX_INFLATED_BYTES = 64 * 1024 * 1024;

const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

function splitLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() !== '') out.push(line);
  }
  return out;
}

/** Parse the JSON of a subscription payload. Never throws. */
export function parseCwlSubscriptionJson(json: string): DeliveryRecord {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    return { kind: 'error', reason: 'cwl_payload_error', message: `subscription payload is not JSON: ${(e as Error).message}` };
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    return { kind: 'error', reason: 'cwl_payload_error', message: 'subscription payload is not a JSON object' };
  }
  const d = doc as Record<string, unknown>;
  if (d['messageType'] === 'CONTROL_MESSAGE') return { kind: 'control' };
  if (d['messageType'] !== 'DATA_MESSAGE') {
    return { kind: 'error', reason: 'cwl_payload_error', message: `unknown messageType ${JSON.stringify(d['messageType'])}` };
  }
  const events = d['logEvents'];
  if (!Array.isArray(events)) return { kind: 'error', reason: 'cwl_payload_error', message: 'DATA_MESSAGE without a logEvents array' };
  const lines: string[] = [];
  for (const ev of events) {
    const msg = ev && typeof ev === 'object' ? (ev as Record<string, unknown>)['message'] : undefined;
    if (typeof msg !== 'string') return { kind: 'error', reason: 'cwl_payload_error', message: 'a log event has no string message' };
    // one event is one flow-log record; an embedded newline would make two
    lines.push(...splitLines(msg));
  }
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : '');
  return { kind: 'lines', lines, cwl: { owner: str('owner'), logGroup: str('logGroup'), logStream: str('logStream') } };
}

/** Decode gzip bytes of a subscription payload. Never throws. */
export function decodeCwlSubscription(gzipped: Uint8Array, maxInflatedBytes = DEFAULT_MAX_INFLATED_BYTES): DeliveryRecord {
  let json: Buffer;
  try {
    json = gunzipSync(gzipped, { maxOutputLength: maxInflatedBytes });
  } catch (e) {
    return { kind: 'error', reason: 'gzip_error', message: `gzip: ${(e as Error).message}` };
  }
  return parseCwlSubscriptionJson(json.toString('utf8'));
}

/**
 * One delivered record (Kinesis `Data`, a Firehose record's decoded `data`):
 * gzip → subscription payload; `{` → decompressed subscription JSON; else flow-log text lines.
 */
export function decodeDeliveryRecord(bytes: Uint8Array, maxInflatedBytes = DEFAULT_MAX_INFLATED_BYTES): DeliveryRecord {
  if (isGzip(bytes)) return decodeCwlSubscription(bytes, maxInflatedBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { kind: 'error', reason: 'decode_error', message: 'record is neither gzip nor UTF-8 text' };
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) return parseCwlSubscriptionJson(trimmed);
  return { kind: 'lines', lines: splitLines(text) };
}
