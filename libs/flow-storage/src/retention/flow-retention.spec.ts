import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchFromRecords } from '@flowguard/contracts';
import { PartitionedParquetWriter } from '../parquet/partitioned-parquet.writer';
import { LocalDirectorySink } from '../sinks/local-directory.sink';
import { flowFixtures } from '../testing/flow-fixtures';
import { ParquetRetention } from './flow-retention';
import { RetentionTimer } from './retention.timer';

const DAY = 86400;
const T0 = 1709596800; // 2024-03-05

describe('ParquetRetention on a local directory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fg-retention-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('deletes date partitions older than N days, keeps newer ones and in-progress files', async () => {
    const sink = new LocalDirectorySink(dir);
    const w = new PartitionedParquetWriter({ sink, defaultRegion: 'eu-west-1' });
    // 2024-03-05 .. 2024-03-09, two accounts
    await w.write(batchFromRecords(flowFixtures({ count: 40, start: T0, step: DAY / 8, accounts: ['111111111111', '222222222222'] })));
    await w.flush();
    const busyDir = join(dir, 'account=111111111111', 'region=eu-west-1', 'date=2024-03-05', 'hour=23');
    await mkdir(busyDir, { recursive: true });
    await writeFile(join(busyDir, '.part-x.parquet.inprogress'), 'writer still busy');

    // "now" 2024-03-10 12:00 with 3 days: keep 03-07 and later
    const retention = new ParquetRetention({ sink, days: 3, now: () => (T0 + 5 * DAY + DAY / 2) * 1000 });
    const result = await retention.sweep();
    expect(result.partitions).toBe(4); // 03-05, 03-06 for two accounts
    const dates = new Set((await sink.list()).map((o) => o.key.split('/')[2]));
    expect([...dates].sort()).toEqual(['date=2024-03-07', 'date=2024-03-08', 'date=2024-03-09']);
    // the in-progress file (and so its directory) survives; the other old directory is gone
    expect(await readdir(join(dir, 'account=111111111111', 'region=eu-west-1', 'date=2024-03-05'))).toEqual(['hour=23']);
    expect(await readdir(busyDir)).toEqual(['.part-x.parquet.inprogress']);
    expect((await readdir(join(dir, 'account=222222222222', 'region=eu-west-1'))).sort()).toEqual(['date=2024-03-07', 'date=2024-03-08', 'date=2024-03-09']);
    expect(await retention.sweep()).toEqual({ partitions: 0, objects: 0 });
  });

  it('rejects a non-positive retention', () => {
    expect(() => new ParquetRetention({ sink: new LocalDirectorySink(dir), days: 0 })).toThrow(/positive integer/);
  });
});

describe('RetentionTimer', () => {
  it('counts runs, deletions and failures, and shares a sweep in progress', async () => {
    let n = 0;
    const errors: string[] = [];
    const timer = new RetentionTimer(
      async () => {
        if (++n === 2) throw new Error('S3 unavailable');
        return { partitions: 2, objects: 5 };
      },
      { intervalMs: 60_000, onError: (e) => void errors.push(e.message) },
    );
    const [a, b] = [timer.runOnce(), timer.runOnce()];
    expect(a).toBe(b);
    await a;
    await expect(timer.runOnce()).rejects.toThrow('S3 unavailable');
    await timer.runOnce();
    expect(timer.metrics()).toMatchObject({ runs: 3, failures: 1, partitionsDeleted: 4, objectsDeleted: 10, lastError: 'S3 unavailable' });
    expect(errors).toEqual(['S3 unavailable']);
  });

  it('runs on start and on its interval without keeping the process alive', async () => {
    jest.useFakeTimers();
    try {
      let runs = 0;
      const timer = new RetentionTimer(async () => (runs++, { partitions: 0, objects: 0 }), { intervalMs: 1000 });
      timer.start();
      await jest.advanceTimersByTimeAsync(3500);
      expect(runs).toBe(4);
      await timer.stop();
      await jest.advanceTimersByTimeAsync(5000);
      expect(runs).toBe(4);
    } finally {
      jest.useRealTimers();
    }
  });
});
