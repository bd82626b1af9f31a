import { BadRequestException, ForbiddenException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { IngestConfig } from './ingest.config';
import { harness } from './testing/ingest.harness';

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const row = (i: number) => `2 123456789012 eni-1 10.0.0.${i % 250} 10.0.1.1 ${1000 + i} 443 6 1 40 1700000000 1700000001 ACCEPT OK`;

async function service(config: Partial<IngestConfig> = {}) {
  return harness({ INGEST_BATCH_ROWS: '64', INGEST_MAX_DEAD_LETTERS_PER_REQUEST: '100' }, { maxFileBytes: 1_000_000, ...config });
}

describe('IngestService', () => {
  it('publishes batches of at most INGEST_BATCH_ROWS rows and counts everything', async () => {
    const { svc, batches } = await service();
    const text = [HEADER, ...Array.from({ length: 300 }, (_, i) => row(i))].join('\n');
    const r = await svc.ingestText(text, { requestId: 'r1' });
    expect(r).toMatchObject({ requestId: 'r1', lines: 301, records: 300, headers: 1, rejected: {}, deadLettered: 0 });
    expect(batches().reduce((n, b) => n + b.length, 0)).toBe(300);
    expect(Math.max(...batches().map((b) => b.length))).toBeLessThanOrEqual(64);
    expect(r.batches).toBe(batches().length);
  });

  it('parses headerless lines with a custom format', async () => {
    const { svc, batches } = await service();
    const r = await svc.ingestText('10.0.0.1 10.0.0.2 443\n10.0.0.3 10.0.0.4 22\n', { requestId: 'r2', format: '${srcaddr} ${dstaddr} ${dstport}' });
    expect(r.records).toBe(2);
    expect(batches()[0]?.dstPort[1]).toBe(22);
  });

  it('rejects a format the parser cannot compile', async () => {
    const { svc } = await service();
    await expect(svc.ingestText('x', { requestId: 'r', format: 'version srcaddr' })).rejects.toThrow(/^format: bad format token/);
  });

  it('dead-letters bad lines with http:<request>:<line> up to the per-request cap, and counts the rest', async () => {
    const { svc, letters } = await service({ maxDeadLettersPerRequest: 2 });
    const text = [row(1), 'bad one', row(2), 'bad two', 'bad three', 'bad four'].join('\n');
    const r = await svc.ingestText(text, { requestId: 'req-9' });
    expect(r.records).toBe(2);
    expect(Object.values(r.rejected).reduce((a, b) => a + b, 0)).toBe(4);
    expect(r.deadLettered).toBe(2);
    expect(letters().map((l) => l.position)).toEqual(['http:req-9:2', 'http:req-9:4']);
    expect(letters()[0]).toMatchObject({ consumer: 'flowguard-ingest-raw', reason: 'parse_error', sourceTopic: 'http', failedAt: 1_700_000_000_000 });
  });

  describe('files', () => {
    const root = mkdtempSync(join(tmpdir(), 'fg-ingest-'));
    const outside = mkdtempSync(join(tmpdir(), 'fg-outside-'));
    mkdirSync(join(root, 'dir'));
    writeFileSync(join(root, 'flows.log'), [HEADER, row(1), row(2), 'garbage'].join('\n'));
    writeFileSync(join(outside, 'secret.log'), row(1));
    symlinkSync(join(outside, 'secret.log'), join(root, 'escape.log'));
    writeFileSync(join(root, 'flows.log.gz'), gzipSync([HEADER, row(1), row(2), row(3)].join('\n')));
    writeFileSync(join(root, 'broken.log.gz'), gzipSync([HEADER, row(1)].join('\n')).subarray(0, 30));

    it('is disabled without INGEST_FILE_ROOTS', async () => {
      await expect((await service()).svc.ingestFile(join(root, 'flows.log'), { requestId: 'f' })).rejects.toThrow(ForbiddenException);
    });

    it('streams a file inside a root, dead-lettering with file positions', async () => {
      const { svc, letters } = await service({ fileRoots: [root] });
      const r = await svc.ingestFile(join(root, 'flows.log'), { requestId: 'f1' });
      expect(r).toMatchObject({ records: 2, headers: 1, deadLettered: 1 });
      expect(letters()[0]?.position).toBe(`file:${r.path}:4`);
    });

    it('reads gzip files (as S3 delivers them) and reports a corrupt one', async () => {
      const { svc } = await service({ fileRoots: [root] });
      expect(await svc.ingestFile(join(root, 'flows.log.gz'), { requestId: 'g' })).toMatchObject({ records: 3, headers: 1 });
      await expect(svc.ingestFile(join(root, 'broken.log.gz'), { requestId: 'g' })).rejects.toThrow(/corrupt gzip/);
    });

    it('refuses paths outside the roots, including through symlinks and ..', async () => {
      const { svc } = await service({ fileRoots: [root] });
      await expect(svc.ingestFile(join(outside, 'secret.log'), { requestId: 'f' })).rejects.toThrow(ForbiddenException);
      await expect(svc.ingestFile(join(root, 'escape.log'), { requestId: 'f' })).rejects.toThrow(ForbiddenException);
      await expect(svc.ingestFile(join(root, '..', outside.split('/').pop() as string, 'secret.log'), { requestId: 'f' })).rejects.toThrow(ForbiddenException);
    });

    it('answers missing files, directories and oversized files clearly', async () => {
      const { svc } = await service({ fileRoots: [root], maxFileBytes: 10 });
      await expect(svc.ingestFile(join(root, 'nope.log'), { requestId: 'f' })).rejects.toThrow(NotFoundException);
      await expect(svc.ingestFile(join(root, 'dir'), { requestId: 'f' })).rejects.toThrow(BadRequestException);
      await expect(svc.ingestFile(join(root, 'flows.log'), { requestId: 'f' })).rejects.toThrow(PayloadTooLargeException);
    });
  });
});
