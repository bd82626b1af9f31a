import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAcceptedRequestStore } from './file-accepted-request.store';

describe('FileAcceptedRequestStore', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'fg-fh-ids-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('remembers accepted ids across a restart, for the TTL counted from the acceptance', async () => {
    const path = join(dir, 'sub', 'ids.jsonl');
    let now = 1_000_000;
    const a = new FileAcceptedRequestStore(path, { ttlMs: 10_000, now: () => now });
    expect(await a.has('r1')).toBe(false);
    await a.add('r1');
    now += 6_000;
    await a.add('r2');
    await a.close();

    now += 2_000; // r1 is 8 s old, r2 2 s
    const b = new FileAcceptedRequestStore(path, { ttlMs: 10_000, now: () => now });
    expect(await b.has('r1')).toBe(true);
    expect(await b.has('r2')).toBe(true);
    expect(await b.has('r3')).toBe(false);
    now += 3_000; // r1 11 s old: forgotten; r2 5 s
    expect(await b.has('r1')).toBe(false);
    expect(await b.has('r2')).toBe(true);
    await b.close();
  });

  it('skips a torn last line and keeps appending after it', async () => {
    const path = join(dir, 'ids.jsonl');
    const a = new FileAcceptedRequestStore(path);
    await a.add('ok-1');
    await a.close();
    await appendFile(path, '{"id":"torn","a');
    const b = new FileAcceptedRequestStore(path);
    expect(await b.has('ok-1')).toBe(true);
    expect(await b.has('torn')).toBe(false);
    await b.add('ok-2');
    await b.close();
    const c = new FileAcceptedRequestStore(path);
    expect(await c.has('ok-2')).toBe(true);
    await c.close();
  });

  it('rewrites the file with the live ids when most lines are dead (bounded by count and TTL)', async () => {
    const path = join(dir, 'ids.jsonl');
    const a = new FileAcceptedRequestStore(path, { maxEntries: 100 });
    for (let i = 0; i < 1500; i++) await a.add(`id-${i}`);
    await a.close();
    const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    expect(lines.length).toBeLessThan(1100);
    const b = new FileAcceptedRequestStore(path, { maxEntries: 100 });
    expect(await b.has('id-1499')).toBe(true);
    expect(await b.has('id-1400')).toBe(true);
    expect(await b.has('id-1399')).toBe(false);
    expect(b.size).toBe(100);
    await b.close();
  });
});
