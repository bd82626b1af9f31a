import { BadRequestException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { parseFlowLogText } from '@flowguard/flowlog';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowHistoryController } from '../history/flow-history.controller';
import { harness, type Harness } from '../testing/ingest.harness';
import { FlowStorage, HistoryOffError } from './flow-storage.service';

const dir = mkdtempSync(join(tmpdir(), 'fg-storage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const row = (i: number) => `2 123456789012 eni-0aa 10.7.0.${i} 10.1.1.1 40000 443 6 10 5000 1700000000 1700000060 ACCEPT OK`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('flow storage in the ingest service', () => {
  it('never fails an ingestion when the Parquet store cannot be written: counted, logged, detection unaffected', async () => {
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    h = await harness({ FLOWS_PARQUET: 'true', FLOWS_DIR: join(dir, 'not-a-dir', 'flows') });
    expect(await h.svc.ingestText([row(1), row(2)].join('\n'), { requestId: 'w' })).toMatchObject({ detection: 2 });
    await h.storage.flush();
    expect(h.storage.summary()).toMatchObject({ errors: { parquet: 1 }, parquet: { rowsLost: 2, failedFiles: 1 } });
    const text = (await h.metrics.render()).body;
    expect(text).toContain('flowguard_flows_storage_errors_total{store="parquet",service="ingest"} 1');
    expect(text).toContain('flowguard_flows_parquet_rows_lost_total{service="ingest"} 2');
  });

  it('says history is off when nothing stores flows, and the pipeline then has no storage output', async () => {
    h = await harness({ FLOWS_PARQUET: 'false' });
    await expect(h.storage.query({ from: '1', to: '2' })).rejects.toThrow(HistoryOffError);
    expect(await h.sinks.run(parseFlowLogText(row(1)).batch, { source: 'http', position: 'p', key: '' })).toEqual({ detection: 1, storage: 0 });
    await expect(new FlowHistoryController(h.storage).history({ from: '1', to: '2' })).rejects.toThrow(NotFoundException);
  });

  it('maps query problems to 400 with every issue, and store failures to 503', async () => {
    const failing = (err: Error) => ({ query: async () => { throw err; }, historyBackend: 'opensearch' }) as unknown as FlowStorage;
    const issues = [{ field: 'cidr', message: 'must be an IPv4 or IPv6 CIDR' }, { field: 'to', message: 'must be after from' }];
    // FlowQueryError of @flowguard/flow-storage (loaded lazily by the service, so not imported here)
    const queryError = Object.assign(new Error('invalid flow query'), { name: 'FlowQueryError', issues });
    const bad = await new FlowHistoryController(failing(queryError)).history({ from: '5', to: '1' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BadRequestException);
    expect((bad as BadRequestException).getResponse()).toMatchObject({ statusCode: 400, issues });
    await expect(new FlowHistoryController(failing(new Error('connect ECONNREFUSED'))).history({ from: '1', to: '2' })).rejects.toThrow(ServiceUnavailableException);
  });

  it('validates the query through flow-storage: ISO times, limits, a cursor bound to its filters', async () => {
    h = await harness({ FLOWS_PARQUET: 'true', FLOWS_DIR: join(dir, 'flows'), INGEST_STORAGE_SAMPLE_RATE: '0' });
    await h.svc.ingestText([row(1), row(2), row(3)].join('\n'), { requestId: 'q' });
    const first = await h.storage.query({ cidr: '10.7.0.0/24', from: '2023-11-14T00:00:00Z', to: '2023-11-15T00:00:00Z', limit: '2' });
    expect(first.records).toHaveLength(2);
    expect(first.cursor).toEqual(expect.any(String));
    const next = await h.storage.query({ cidr: '10.7.0.0/24', from: '2023-11-14T00:00:00Z', to: '2023-11-15T00:00:00Z', limit: '2', cursor: first.cursor });
    expect(next.records).toHaveLength(1);
    expect(next.cursor).toBeUndefined();
    await expect(h.storage.query({ cidr: '10.8.0.0/24', from: '2023-11-14T00:00:00Z', to: '2023-11-15T00:00:00Z', cursor: first.cursor })).rejects.toMatchObject({
      issues: [{ field: 'cursor', message: expect.stringMatching(/different filters/) }],
    });
    await expect(h.storage.query({ ip: '10.7.0.1', from: '1700000000', to: '1800000000' })).rejects.toMatchObject({ issues: [{ field: 'to' }] });
  });
});
