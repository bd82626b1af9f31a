import { batchFromRecords, Topics, type FlowBatch, type FlowRecord } from '@flowguard/contracts';
import { bucketOf } from '@flowguard/detection';
import type { Delivered } from '@flowguard/messaging';
import { RepartitionStage } from './repartition.stage';

const rec = (src: string, dst: string, start: number): FlowRecord => ({
  version: 2, accountId: '123456789012', interfaceId: 'eni-1', srcAddr: src, dstAddr: dst, srcPort: 40000, dstPort: 443,
  protocol: 6, packets: 3, bytes: 300, start, end: start + 1, action: 'ACCEPT', logStatus: 'OK',
});

const msg = (offset: number, records: FlowRecord[], partition = 0): Delivered<FlowBatch> => ({
  value: batchFromRecords(records),
  meta: { topic: Topics.flowsEnriched.name, partition, offset: String(offset), key: null, headers: {}, timestamp: 1_000 + offset },
});

const B = 6;
const stage = (maxRowsPerMessage?: number) => new RepartitionStage({ buckets: B, inferEniOwner: true, punctuateEverySec: 60, ...(maxRowsPerMessage ? { maxRowsPerMessage } : {}) });
const hosts = Array.from({ length: 30 }, (_, i) => `10.0.${i}.1`);

describe('RepartitionStage', () => {
  it('routes every row to the bucket of its source (by-src) and of its destination (by-dst), stamped with its input offsets', () => {
    const s = stage();
    const m0 = msg(0, hosts.map((h, i) => rec(h, hosts[(i + 7) % hosts.length] as string, 1_700_000_000 + i)));
    const m1 = msg(1, hosts.slice(0, 10).map((h) => rec(h, '203.0.113.9', 1_700_000_100)));
    const out = s.split([m0, m1]);
    for (const topic of ['src', 'dst'] as const) {
      const subs = out.filter((o) => o.topic === topic);
      expect(subs.map((o) => o.bucket)).toEqual([0, 1, 2, 3, 4, 5]); // one per bucket: rows, or progress only
      expect(subs.reduce((n, o) => n + o.batch.length, 0)).toBe(40);
      for (const o of subs) {
        for (let i = 0; i < o.batch.length; i++) expect(bucketOf(topic === 'src' ? o.batch.src(i) : o.batch.dst(i), B)).toBe(o.bucket);
        expect(o.stamp.rows.reduce((n, [, c]) => n + c, 0)).toBe(o.batch.length);
        expect(o.stamp).toMatchObject({ origin: 0, last: 1, progress: 1_700_000_100, progressTs: 1_001 });
      }
    }
    const dstBucket = bucketOf('203.0.113.9', B);
    const toC2 = out.find((o) => o.topic === 'dst' && o.bucket === dstBucket);
    expect(toC2?.stamp.rows.find(([offset]) => offset === 1)).toEqual([1, 10]);
    expect(s.counters).toMatchObject({ messages: 2, rows: 40 });
  });

  it('tells quiet buckets that the origin moved on, at most once per punctuation interval', () => {
    const s = stage();
    const one = (offset: number, start: number) => msg(offset, [rec('10.9.9.9', '10.8.8.8', start)]);
    const first = s.split([one(0, 1_700_000_000)]);
    s.confirm([one(0, 0)]);
    expect(first.filter((o) => o.batch.length === 0)).toHaveLength(2 * (B - 1));
    const soon = s.split([one(1, 1_700_000_030)]);
    s.confirm([one(1, 0)]);
    expect(soon.filter((o) => o.batch.length === 0)).toEqual([]);
    const later = s.split([one(2, 1_700_000_060)]);
    expect(later.filter((o) => o.batch.length === 0).map((o) => o.stamp)).toContainEqual({ origin: 0, rows: [], last: 2, progress: 1_700_000_060, progressTs: 1_002 });
    expect(s.counters.punctuations).toBe(2 * (B - 1) * 2);
  });

  it('sends the same sub-batches again when a call is retried, and nothing for input it already published', () => {
    const s = stage();
    const batch = [msg(5, hosts.map((h) => rec(h, '10.1.1.1', 1_700_000_000))), msg(6, [rec('10.2.2.2', '10.3.3.3', 1_700_000_001)])];
    const first = s.split(batch);
    const retried = s.split(batch); // publishing failed: no confirm
    expect(retried).toEqual(first);
    expect(s.counters.messages).toBe(2);
    // the retry brings one more message: the pending sub-batches first, then the new one's
    const longer = s.split([...batch, msg(7, [rec('10.2.2.2', '10.3.3.3', 1_700_000_002)])]);
    expect(longer.slice(0, first.length)).toEqual(first);
    expect(longer.slice(first.length).every((o) => o.stamp.last === 7)).toBe(true);
    s.confirm(batch);
    expect(s.split(batch)).toEqual([]); // redelivered after a lost commit: already published
    expect(s.counters.alreadySplit).toBeGreaterThan(0);
  });

  it('caps sub-batch size at whole input messages, each stamp covering the messages in it', () => {
    const s = stage(25);
    const msgs = [0, 1, 2].map((o) => msg(o, Array.from({ length: 12 }, (_, i) => rec('10.5.5.5', `10.6.6.${i}`, 1_700_000_000 + o))));
    const src = s.split(msgs).filter((o) => o.topic === 'src' && o.batch.length > 0);
    expect(src.map((o) => o.batch.length)).toEqual([24, 12]);
    expect(src.map((o) => o.stamp.rows)).toEqual([[[0, 12], [1, 12]], [[2, 12]]]);
    expect(src.map((o) => [o.stamp.last, o.stamp.progress])).toEqual([[1, 1_700_000_001], [2, 1_700_000_002]]);
  });

  it('keeps state per origin: partitions of one call do not mix', () => {
    const s = stage();
    const out = s.split([msg(0, [rec('10.0.0.1', '10.0.0.2', 100)], 0), msg(0, [rec('10.0.0.1', '10.0.0.2', 900)], 3)]);
    expect(new Set(out.map((o) => o.stamp.origin))).toEqual(new Set([0, 3]));
    expect(out.filter((o) => o.stamp.origin === 0).every((o) => o.stamp.progress === 100)).toBe(true);
    expect(s.originIds).toEqual([0, 3]);
  });
});
