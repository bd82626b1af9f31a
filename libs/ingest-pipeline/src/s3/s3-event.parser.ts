/**
 * S3 event notifications as they arrive in an SQS message body: the S3 event
 * message (`{Records:[{eventName, s3:{bucket:{name}, object:{key, size, eTag, sequencer}}}]}`,
 * keys URL-encoded with `+` for spaces), optionally wrapped in an SNS
 * notification envelope, the one-off `s3:TestEvent`, or an EventBridge
 * "Object Created" event. Pure; never throws.
 */
export interface S3ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly sequencer?: string;
  readonly eventName: string;
}

export type S3EventParse =
  | { readonly ok: true; readonly objects: S3ObjectRef[]; readonly testEvent: boolean; readonly ignored: number }
  | { readonly ok: false; readonly error: string };

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

function decodeKey(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

export function parseS3EventMessage(body: string): S3EventParse {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  let d = obj(doc);
  if (!d) return { ok: false, error: 'not a JSON object' };
  if (d['Type'] === 'Notification' && typeof d['Message'] === 'string') {
    try {
      d = obj(JSON.parse(d['Message'] as string));
    } catch (e) {
      return { ok: false, error: `SNS Message is not JSON: ${(e as Error).message}` };
    }
    if (!d) return { ok: false, error: 'SNS Message is not a JSON object' };
  }
  if (d['Event'] === 's3:TestEvent') return { ok: true, objects: [], testEvent: true, ignored: 0 };

  if (d['source'] === 'aws.s3' && obj(d['detail'])) {
    const detail = obj(d['detail'])!;
    const name = obj(detail['bucket'])?.['name'];
    const o = obj(detail['object']);
    if (typeof name !== 'string' || typeof o?.['key'] !== 'string') return { ok: false, error: 'EventBridge S3 event without bucket.name/object.key' };
    if (d['detail-type'] !== 'Object Created') return { ok: true, objects: [], testEvent: false, ignored: 1 };
    return { ok: true, testEvent: false, ignored: 0, objects: [{
      bucket: name, key: o['key'] as string, eventName: 'Object Created',
      ...(typeof o['size'] === 'number' ? { size: o['size'] } : {}),
      ...(typeof o['etag'] === 'string' ? { eTag: o['etag'] } : {}),
      ...(typeof o['sequencer'] === 'string' ? { sequencer: o['sequencer'] } : {}),
    }] };
  }

  const records = d['Records'];
  if (!Array.isArray(records)) return { ok: false, error: 'no Records array: not an S3 event message' };
  const objects: S3ObjectRef[] = [];
  let ignored = 0;
  for (let i = 0; i < records.length; i++) {
    const r = obj(records[i]);
    const eventName = r?.['eventName'];
    const s3 = obj(r?.['s3']);
    const name = obj(s3?.['bucket'])?.['name'];
    const o = obj(s3?.['object']);
    if (typeof eventName !== 'string' || typeof name !== 'string' || typeof o?.['key'] !== 'string') {
      return { ok: false, error: `Records[${i}] lacks eventName, s3.bucket.name or s3.object.key` };
    }
    if (!eventName.startsWith('ObjectCreated:')) {
      ignored++;
      continue;
    }
    const key = decodeKey(o['key'] as string);
    if (key === undefined) return { ok: false, error: `Records[${i}].s3.object.key is not valid URL encoding` };
    objects.push({
      bucket: name, key, eventName,
      ...(typeof o['size'] === 'number' ? { size: o['size'] } : {}),
      ...(typeof o['eTag'] === 'string' ? { eTag: o['eTag'] } : {}),
      ...(typeof o['sequencer'] === 'string' ? { sequencer: o['sequencer'] } : {}),
    });
  }
  return { ok: true, objects, testEvent: false, ignored };
}
