/**
 * Independent check of the stored files with another Parquet implementation:
 * DuckDB (native, @duckdb/node-api) reads the partitioned tree with
 * `read_parquet(..., hive_partitioning = true)` and must see the same rows,
 * the AWS column types and the partition columns. An integration spec because
 * it loads a native engine, not because it needs a server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { batchFromRecords, recordAt, type FlowRecord } from '@flowguard/contracts';
import { LocalDirectorySink } from '../sinks/local-directory.sink';
import { flowFixtures } from '../testing/flow-fixtures';
import { PartitionedParquetWriter } from './partitioned-parquet.writer';

const T0 = 1709596800;

describe('stored Parquet read by DuckDB', () => {
  let dir: string;
  let con: DuckDBConnection;
  let expected: FlowRecord[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-duckdb-'));
    const records = [
      ...flowFixtures({ count: 700, start: T0, step: 101, accounts: ['111111111111', '222222222222'], rich: true, regions: ['us-east-1', 'eu-central-1'] }),
      ...flowFixtures({ count: 300, start: T0 + 7, step: 211, seed: 7 }),
      { version: 2, accountId: '111111111111', interfaceId: 'eni-0nodata', start: T0 + 99, end: T0 + 159, logStatus: 'NODATA' as const },
    ];
    const batch = batchFromRecords(records);
    expected = Array.from({ length: batch.length }, (_, i) => recordAt(batch, i));
    const w = new PartitionedParquetWriter({ sink: new LocalDirectorySink(dir), defaultRegion: 'eu-west-1', rowGroupRows: 128 });
    for (let i = 0; i < records.length; i += 250) await w.write(batchFromRecords(records.slice(i, i + 250)));
    await w.flush();
    const db = await DuckDBInstance.create(':memory:', { threads: '1', autoinstall_known_extensions: 'false' });
    con = await db.connect();
  });

  afterAll(async () => {
    con?.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  const glob = () => `${dir}/**/*.parquet`;

  it('sees every row once, with the AWS column types', async () => {
    const types = (await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${glob()}', union_by_name = true)`)).getRowObjectsJS();
    const typeOf = Object.fromEntries(types.map((t) => [t['column_name'] as string, t['column_type'] as string]));
    expect(typeOf).toMatchObject({
      version: 'INTEGER', account_id: 'VARCHAR', interface_id: 'VARCHAR', srcaddr: 'VARCHAR', dstaddr: 'VARCHAR',
      srcport: 'INTEGER', dstport: 'INTEGER', protocol: 'INTEGER', packets: 'BIGINT', bytes: 'BIGINT', start: 'BIGINT', end: 'BIGINT',
      action: 'VARCHAR', log_status: 'VARCHAR', tcp_flags: 'INTEGER', flow_direction: 'VARCHAR', traffic_path: 'INTEGER', vpc_id: 'VARCHAR',
    });
    const n = (await con.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${glob()}', union_by_name = true)`)).getRowObjectsJS();
    expect(n[0]?.['n']).toBe(expected.length);
  });

  it('returns the same values as the batch rows that were written', async () => {
    const rows = (await con.runAndReadAll(`
      SELECT srcaddr, dstaddr, srcport, dstport, protocol, packets::DOUBLE AS packets, bytes::DOUBLE AS bytes,
             start::DOUBLE AS start, "end"::DOUBLE AS "end", action, log_status, interface_id, vpc_id, pkt_srcaddr, flowguard_marks::DOUBLE AS marks
      FROM read_parquet('${glob()}', union_by_name = true)
      ORDER BY start, srcport NULLS FIRST, interface_id`)).getRowObjectsJS();
    const want = [...expected]
      .sort((a, b) => (a.start as number) - (b.start as number) || (a.srcPort ?? -1) - (b.srcPort ?? -1) || ((a.interfaceId ?? '') < (b.interfaceId ?? '') ? -1 : 1))
      .map((r) => ({
        srcaddr: r.srcAddr ?? null, dstaddr: r.dstAddr ?? null, srcport: r.srcPort ?? null, dstport: r.dstPort ?? null, protocol: r.protocol ?? null,
        packets: r.packets ?? null, bytes: r.bytes ?? null, start: r.start ?? null, end: r.end ?? null, action: r.action ?? null,
        log_status: r.logStatus ?? null, interface_id: r.interfaceId ?? null, vpc_id: r.fields?.['vpc-id'] ?? null,
        pkt_srcaddr: r.fields?.['pkt-srcaddr'] ?? null, marks: r.marks ?? null,
      }));
    expect(rows).toEqual(want);
  });

  it('exposes account/region/date/hour as hive partition columns that prune', async () => {
    const perPartition = (await con.runAndReadAll(`
      SELECT account, region, date::VARCHAR AS date, hour::INTEGER AS hour, count(*)::INTEGER AS n,
             min(to_timestamp(start))::VARCHAR AS first, max(to_timestamp(start))::VARCHAR AS last
      FROM read_parquet('${glob()}', hive_partitioning = true, union_by_name = true)
      GROUP BY ALL ORDER BY ALL`)).getRowObjectsJS();
    let total = 0;
    for (const p of perPartition) {
      total += p['n'] as number;
      const hh = String(p['hour']).padStart(2, '0');
      expect(String(p['first'])).toContain(`${p['date']} ${hh}:`);
      expect(String(p['last'])).toContain(`${p['date']} ${hh}:`);
    }
    expect(total).toBe(expected.length);
    const regions = new Set(perPartition.map((p) => p['region']));
    expect([...regions].sort()).toEqual(['eu-central-1', 'eu-west-1', 'us-east-1']);
    const oneHour = (await con.runAndReadAll(`
      SELECT count(*)::INTEGER AS n FROM read_parquet('${glob()}', hive_partitioning = true, union_by_name = true)
      WHERE account = '111111111111' AND date = '2024-03-05' AND hour = 3`)).getRowObjectsJS();
    const inHour = (r: FlowRecord) => r.start !== undefined && r.start >= T0 + 3 * 3600 && r.start < T0 + 4 * 3600;
    expect(oneHour[0]?.['n']).toBe(expected.filter((r) => r.accountId === '111111111111' && inHour(r)).length);
  });
});
