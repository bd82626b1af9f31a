import { batchFromRecords, Topics, type FlowBatch, type FlowRecord } from '@flowguard/contracts';
import { defaultDetectionConfig } from '@flowguard/detection';
import type { Delivered } from '@flowguard/messaging';
import { stampHeaders } from '../repartition/origin-stamp';
import { DetectLanes, HISTORICAL_LAG_SEC } from './detect-lanes';

const T0 = 1_700_000_040;
const probe = (p: number, start: number): FlowRecord => ({
  version: 2, accountId: '123456789012', interfaceId: 'eni-1', srcAddr: '172.16.0.1', dstAddr: '192.168.10.50',
  srcPort: 40000 + p, dstPort: p, protocol: 6, packets: 1, bytes: 44, start, end: start + 1, action: 'REJECT', logStatus: 'OK',
});
/** 60 probes to 60 ports within 30 s: a fast port scan */
const scan = (t = T0) => batchFromRecords(Array.from({ length: 60 }, (_, i) => probe(i + 1, t + Math.floor(i / 2))));

let seq = 0;
/** a by-src delivery from `origin`, one input message at `offset`, with the origin's progress */
function sub(origin: number, offset: number, batch: FlowBatch, progress: number, rows?: Array<[number, number]>): Delivered<FlowBatch> {
  const stamp = { origin, rows: rows ?? (batch.length ? [[offset, batch.length] as [number, number]] : []), last: offset, progress, progressTs: 5 };
  return { value: batch, meta: { topic: Topics.flowsBySource.name, partition: 1, offset: String(seq++), key: null, headers: stampHeaders(stamp), timestamp: 0 } };
}
const empty = () => batchFromRecords([]);

function lanes(opts: { expectedOrigins?: number; idleMs?: number; nowMs?: number; maxBufferedRows?: number } = {}) {
  const clock = { now: opts.nowMs ?? T0 * 1000 + 10 * 86_400_000 };
  const l = new DetectLanes({
    config: defaultDetectionConfig(), now: () => clock.now, idleMs: opts.idleMs ?? 10_000, expectedOrigins: opts.expectedOrigins ?? 2,
    ...(opts.maxBufferedRows !== undefined ? { maxBufferedRows: opts.maxBufferedRows } : {}),
  });
  return { l, clock };
}
/** distinct port-scan anomalies among emitted updates */
const scans = (xs: Array<{ detector: string; anomalyId: string }>) => [...new Set(xs.filter((a) => a.detector === 'port-scan').map((a) => a.anomalyId))];

describe('DetectLanes', () => {
  it('holds rows until every expected origin has reported, then closes windows on the slowest origin', () => {
    const { l } = lanes();
    expect(l.ingest('src', sub(0, 0, scan(), T0 + 1200)).anomalies).toEqual([]);
    expect(l.stats()[0]).toMatchObject({ watermark: -1, buffered: 60 });
    // origin 1 reports, but is still early: the scan's windows are not closable yet
    expect(l.ingest('src', sub(1, 0, empty(), T0 + 100)).anomalies).toEqual([]);
    const r = l.ingest('src', sub(1, 1, empty(), T0 + 1200));
    expect(scans(r.anomalies)).toHaveLength(1);
    expect(r.inputTs).toBe(5);
    expect(l.stats()[0]?.watermark).toBe(T0 + 1200 - 300 - ((T0 + 900) % 60));
  });

  it('stops waiting for an origin that stayed silent for the idle time', () => {
    const { l, clock } = lanes();
    l.ingest('src', sub(0, 0, scan(), T0 + 1200));
    expect(l.tick()).toEqual([]);
    clock.now += 10_000;
    expect(scans(l.tick())).toHaveLength(1); // origin 1 never reported within the idle time
  });

  it('closes every window of an idle lane whose input is a replay, after which older rows are late', () => {
    const { l, clock } = lanes({ expectedOrigins: 1 });
    expect(l.ingest('src', sub(0, 0, scan(), T0 + 30)).anomalies).toEqual([]);
    clock.now += 10_000;
    expect(scans(l.tick())).toHaveLength(1);
    l.ingest('src', sub(0, 1, scan(T0 + 60), T0 + 90));
    expect(l.stats()[0]?.engine.lateDrops).toBe(60);
  });

  it('lets event time run on with the wall clock when an idle lane was live, so the next live rows are not late', () => {
    const { l, clock } = lanes({ expectedOrigins: 1, nowMs: (T0 + 120) * 1000 });
    l.ingest('src', sub(0, 0, scan(), T0 + 30));
    expect(HISTORICAL_LAG_SEC).toBeGreaterThan(90);
    clock.now += 10_000;
    expect(l.tick()).toEqual([]); // 10 s of quiet moves event time 10 s: nothing closable yet
    clock.now += 400_000;
    expect(scans(l.tick())).toHaveLength(1); // ~7 min later the scan's minute is closed, without a flush
    const wm = l.stats()[0]?.watermark as number;
    expect(wm).toBeLessThan(T0 + 30 + 410);
    l.ingest('src', sub(0, 1, scan(T0 + 400), T0 + 430));
    expect(l.stats()[0]?.engine.lateDrops).toBe(0);
  });

  it('drops rows of input messages it already ingested, also when a re-published sub-batch holds new ones after them', () => {
    const { l } = lanes({ expectedOrigins: 1 });
    const first = scan();
    l.ingest('src', sub(0, 3, first, T0 + 30));
    expect(l.ingest('src', sub(0, 3, first, T0 + 30)).duplicateRows).toBe(60);
    const again = batchFromRecords([...Array.from({ length: 60 }, (_, i) => probe(i + 1, T0 + Math.floor(i / 2))), probe(500, T0 + 40)]);
    const r = l.ingest('src', sub(0, 4, again, T0 + 40, [[3, 60], [4, 1]]));
    expect(r).toMatchObject({ duplicateRows: 60, rows: 1 });
    l.flushAll();
    expect(l.stats()[0]?.engine.records).toBe(61);
  });

  it('stops waiting for slow origins when its buffer is full', () => {
    const { l } = lanes({ maxBufferedRows: 100 });
    l.ingest('src', sub(0, 0, scan(), T0 + 1200));
    expect(l.stats()[0]?.forcedReleases).toBe(0);
    const r = l.ingest('src', sub(0, 1, scan(T0 + 1200), T0 + 1500));
    expect(scans(r.anomalies)).toHaveLength(1);
    expect(l.stats()[0]?.forcedReleases).toBe(1);
  });

  it('closes and drops the lane of a partition that moved away', () => {
    const { l } = lanes({ expectedOrigins: 1 });
    l.ingest('src', sub(0, 0, scan(), T0 + 30));
    expect(l.partitions('src')).toEqual([1]);
    expect(scans(l.release('src', 1))).toHaveLength(1);
    expect(l.size).toBe(0);
    expect(l.release('src', 1)).toEqual([]);
  });

  it('analyses sub-batches without an origin stamp on their own, and malformed stamps as unstamped', () => {
    const { l } = lanes({ expectedOrigins: 0 });
    const d = sub(0, 0, scan(), T0 + 30);
    const found = [...l.ingest('src', { value: d.value, meta: { ...d.meta, headers: {} } }).anomalies];
    found.push(...l.ingest('src', { value: scan(T0 + 600), meta: { ...d.meta, offset: '99', headers: { ...d.meta.headers, 'flowguard-origin-rows': 'garbage' } } }).anomalies);
    found.push(...l.flushAll());
    expect(l.stats()[0]).toMatchObject({ unstamped: 1, badStamps: 1 });
    expect(scans(found)).toHaveLength(1); // one episode: the same actor and target 10 minutes apart
    expect(l.stats()[0]?.engine.records).toBe(120);
  });
});
