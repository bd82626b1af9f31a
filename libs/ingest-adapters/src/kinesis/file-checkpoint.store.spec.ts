import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCheckpointStore } from './file-checkpoint.store';

describe('FileCheckpointStore', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'fg-cp-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('persists per stream and shard, survives a new instance, keeps the last of concurrent writes', async () => {
    const path = join(dir, 'sub', 'cp.json');
    const a = new FileCheckpointStore(path);
    expect(await a.get('s', 'shard-0')).toBeUndefined();
    await Promise.all([a.put('s', 'shard-0', '1'), a.put('s', 'shard-0', '2'), a.put('s', 'shard-1', '9'), a.put('t', 'shard-0', '5')]);
    const b = new FileCheckpointStore(path);
    expect(await b.get('s', 'shard-0')).toBe('2');
    expect(await b.get('s', 'shard-1')).toBe('9');
    expect(await b.get('t', 'shard-0')).toBe('5');
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ s: { 'shard-0': '2', 'shard-1': '9' }, t: { 'shard-0': '5' } });
  });

  it('refuses a corrupt file instead of silently restarting from the beginning', async () => {
    const path = join(dir, 'cp.json');
    await writeFile(path, '{torn');
    await expect(new FileCheckpointStore(path).get('s', 'x')).rejects.toThrow(/unreadable/);
  });
});
