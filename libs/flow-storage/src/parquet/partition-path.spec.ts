import {
  decodePartitionValue, encodePartitionValue, isValidDate, parsePartitionPath, partitionHourStart, partitionPrefix,
  retentionCutoffDate, utcHourOf,
} from './partition-path';

describe('partition paths', () => {
  it('derives UTC date and hour from Unix seconds', () => {
    // 2024-03-05T14:59:59Z and the next second
    expect(utcHourOf(1709650799)).toEqual({ date: '2024-03-05', hour: '14', hourStart: 1709647200 });
    expect(utcHourOf(1709650800)).toEqual({ date: '2024-03-05', hour: '15', hourStart: 1709650800 });
    expect(utcHourOf(1709596799).date).toBe('2024-03-04'); // 23:59:59 the day before
    expect(utcHourOf(0)).toEqual({ date: '1970-01-01', hour: '00', hourStart: 0 });
  });

  it('builds and parses account/region/date/hour prefixes', () => {
    const key = { account: '123456789012', region: 'eu-west-1', date: '2024-03-05', hour: '07' };
    const prefix = partitionPrefix(key);
    expect(prefix).toBe('account=123456789012/region=eu-west-1/date=2024-03-05/hour=07/');
    expect(parsePartitionPath(`${prefix}part-1.parquet`)).toEqual(key);
    expect(parsePartitionPath(`flows/${prefix}part-1.parquet`)).toEqual(key);
    expect(partitionHourStart(key)).toBe(Date.parse('2024-03-05T07:00:00Z') / 1000);
  });

  it('rejects paths outside the layout or with impossible dates', () => {
    expect(parsePartitionPath('account=1/region=r/date=2024-02-30/hour=01/x.parquet')).toBeUndefined();
    expect(parsePartitionPath('account=1/region=r/date=2024-02-03/hour=24/x.parquet')).toBeUndefined();
    expect(parsePartitionPath('account=1/date=2024-02-03/hour=01/x.parquet')).toBeUndefined();
    expect(isValidDate('2024-02-29')).toBe(true);
    expect(isValidDate('2023-02-29')).toBe(false);
  });

  it('escapes values that are not safe path segments, reversibly', () => {
    for (const v of ['a/b', '..', '.', 'x=y', 'ünïcode', '', '%41', 'us-east-1', 'unknown']) {
      const enc = encodePartitionValue(v);
      expect(enc).toMatch(/^[A-Za-z0-9_.%-]+$/);
      expect(enc).not.toMatch(/^\.+$/);
      expect(decodePartitionValue(enc)).toBe(v);
    }
    expect(encodePartitionValue('us-east-1')).toBe('us-east-1');
    const key = { account: '../../etc', region: 'r', date: '2024-01-01', hour: '00' };
    expect(partitionPrefix(key).split('/')[0]).toBe('account=%2E%2E%2F%2E%2E%2Fetc');
    expect(parsePartitionPath(`${partitionPrefix(key)}f.parquet`)).toEqual(key);
  });

  it('computes the retention cutoff date', () => {
    expect(retentionCutoffDate(Date.parse('2024-03-10T05:00:00Z'), 7)).toBe('2024-03-03');
    expect(retentionCutoffDate(Date.parse('2024-03-01T00:00:00Z'), 1)).toBe('2024-02-29');
  });
});
