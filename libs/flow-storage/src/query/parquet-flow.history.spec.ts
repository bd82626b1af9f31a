import { batchFromRecords, type FlowRecord } from '@flowguard/contracts';
import { PartitionedParquetWriter } from '../parquet/partitioned-parquet.writer';
import { flowFixtures } from '../testing/flow-fixtures';
import { MemorySink } from '../testing/memory.sink';
import { must } from '../testing/must';
import { allPages, referenceQuery } from '../testing/reference-query';
import { FlowHistoryService } from './flow-history.service';
import { FlowQueryError, validateFlowQuery, type FlowQuery } from './flow-query';
import { ParquetFlowHistory } from './parquet-flow.history';

const T0 = 1709596800; // 2024-03-05T00:00:00Z

describe('ParquetFlowHistory', () => {
  let sink: MemorySink;
  let records: FlowRecord[];
  let history: ParquetFlowHistory;
  let service: FlowHistoryService;

  beforeAll(async () => {
    sink = new MemorySink();
    // 3 days, a record every ~5 minutes, two accounts, v5 fields on half
    records = [
      ...flowFixtures({ count: 450, start: T0, step: 577, accounts: ['111111111111', '222222222222'], rich: true, seed: 11 }),
      ...flowFixtures({ count: 450, start: T0 + 13, step: 577, accounts: ['111111111111'], seed: 12 }),
    ];
    // records with the same start: the flow_id breaks the tie, also across page boundaries
    const first = must(records[0]);
    records.push({ ...first, srcPort: 1111 }, { ...first, srcPort: 2222 });
    for (let k = 0; k < 30; k++) records.push({ ...must(records[5]), start: T0 + 5 * 3600 + 1800, srcPort: 30000 + k });
    const w = new PartitionedParquetWriter({ sink, defaultRegion: 'eu-west-1', rowGroupRows: 64 });
    for (let i = 0; i < records.length; i += 100) await w.write(batchFromRecords(records.slice(i, i + 100)));
    await w.flush();
    history = new ParquetFlowHistory({ sink });
    service = new FlowHistoryService(history);
  });

  const check = async (q: FlowQuery) => {
    const expected = referenceQuery(records, validateFlowQuery(q));
    const { records: got, pages } = await allPages((cursor) => service.query({ ...q, ...(cursor ? { cursor } : {}) }));
    expect(got).toEqual(expected);
    return { expected, pages };
  };

  it('pages through a whole day newest first, matching a brute-force answer', async () => {
    const { expected, pages } = await check({ from: T0 + 86400, to: T0 + 2 * 86400, limit: 40 });
    expect(expected.length).toBeGreaterThan(200);
    expect(pages).toBe(Math.ceil(expected.length / 40));
  });

  it('filters by ip on either side (and pkt-* addresses)', async () => {
    const ip = must(records[10]?.srcAddr);
    const { expected } = await check({ ip, from: T0, to: T0 + 3 * 86400, limit: 7 });
    expect(expected.length).toBeGreaterThan(1);
    const pkt = must(records.find((r) => r.fields?.['pkt-srcaddr'])?.fields?.['pkt-srcaddr']);
    const viaPkt = await check({ ip: pkt, from: T0, to: T0 + 3 * 86400 });
    expect(viaPkt.expected.length).toBeGreaterThan(0);
  });

  it('filters by IPv4 and IPv6 CIDR', async () => {
    expect((await check({ cidr: '10.0.2.0/24', from: T0, to: T0 + 3 * 86400, limit: 25 })).expected.length).toBeGreaterThan(10);
    expect((await check({ cidr: '2001:db8::/32', from: T0, to: T0 + 3 * 86400, limit: 25 })).expected.length).toBeGreaterThan(10);
  });

  it('filters by port, ENI, action and their combination', async () => {
    expect((await check({ port: 22, from: T0, to: T0 + 3 * 86400, limit: 30 })).expected.length).toBeGreaterThan(10);
    const eni = must(records[3]?.interfaceId);
    expect((await check({ eni, from: T0, to: T0 + 3 * 86400 })).expected.length).toBeGreaterThan(1);
    expect((await check({ action: 'REJECT', from: T0, to: T0 + 3 * 86400, limit: 50 })).expected.length).toBeGreaterThan(10);
    await check({ action: 'ACCEPT', port: 443, cidr: '10.0.0.0/16', from: T0 + 3600, to: T0 + 40 * 3600, limit: 9 });
  });

  it('pages through many records of the same second without losing or repeating any', async () => {
    const { expected } = await check({ from: T0 + 5 * 3600 + 1800, to: T0 + 5 * 3600 + 1801, limit: 7 });
    expect(expected.length).toBe(30);
    await check({ from: T0 + 4 * 3600, to: T0 + 6 * 3600, limit: 4 });
    // ties and older rows in one row group: the last page of ties must still reach the older rows
    const own = new MemorySink();
    const mixed = [
      ...flowFixtures({ count: 10, start: T0 + 60, seed: 77 }),
      ...flowFixtures({ count: 20, start: T0 + 600, step: 0, seed: 78 }),
    ];
    const w = new PartitionedParquetWriter({ sink: own, defaultRegion: 'eu-west-1' });
    await w.write(batchFromRecords(mixed));
    await w.flush();
    expect((await own.list()).length).toBe(1);
    const q = { from: T0, to: T0 + 3600, limit: 6 };
    const got = await allPages((cursor) => new ParquetFlowHistory({ sink: own }).search(validateFlowQuery({ ...q, ...(cursor ? { cursor } : {}) })));
    expect(got.records).toEqual(referenceQuery(mixed, validateFlowQuery(q)));
  });

  it('returns nothing (and no cursor) outside the stored time', async () => {
    expect(await service.query({ from: T0 - 86400, to: T0 })).toEqual({ records: [] });
  });

  it('reads only the partitions of the queried hours', async () => {
    const inHour = (await sink.list()).filter((o) => o.key.includes('/date=2024-03-05/hour=01/')).length;
    expect(inHour).toBeGreaterThan(0);
    const before = history.metrics().filesRead;
    await service.query({ from: T0 + 3600, to: T0 + 2 * 3600 });
    expect(history.metrics().filesRead - before).toBe(inHour);
  });

  it('stops reading older hours once a page is full', async () => {
    const before = history.metrics().filesRead;
    const page = await service.query({ from: T0, to: T0 + 3 * 86400, limit: 5 });
    expect(page.records.length).toBe(5);
    expect(page.cursor).toBeDefined();
    const newestHour = (await sink.list()).filter((o) => o.key.includes('/date=2024-03-07/hour=23/')).length;
    expect(history.metrics().filesRead - before).toBeLessThanOrEqual(newestHour * 2);
  });

  it('skips and counts an unreadable file instead of failing the query', async () => {
    const key = 'account=111111111111/region=eu-west-1/date=2024-03-05/hour=05/part-corrupt.parquet';
    sink.objects.set(key, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    const errors: string[] = [];
    const h = new ParquetFlowHistory({ sink, onFileError: (k) => void errors.push(k) });
    const q = validateFlowQuery({ from: T0 + 5 * 3600, to: T0 + 6 * 3600 });
    const page = await h.search(q);
    expect(page.records).toEqual(referenceQuery(records, q));
    expect(h.metrics().fileErrors).toBe(1);
    expect(errors).toEqual([key]);
    sink.objects.delete(key);
  });

  it('rejects invalid queries before touching storage', async () => {
    await expect(service.query({ from: T0, to: T0 - 1 })).rejects.toBeInstanceOf(FlowQueryError);
    await expect(service.queryParams({ from: String(T0), to: String(T0 + 60), port: 'x' })).rejects.toThrow(/port/);
  });
});
