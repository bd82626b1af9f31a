import { Controller, Get } from '@nestjs/common';
import { IngestPipeline } from '../pipeline/ingest-pipeline.service';
import { FlowStorage } from '../storage/flow-storage.service';

/**
 * `GET /v1/ingest/stats`: the pipeline configuration in force (ip-ranges
 * origin and sync token, allow-list entries and expired ones, threat lists with
 * their dates, enrichment sources), cumulative counts since start (rows in,
 * to detection, to storage, drops and sampling by reason, allow-list hits per
 * entry, marks, enrichment per source) and flow storage's state. The same
 * counts are Prometheus series on /metrics (flowguard_ingest_*, flowguard_flows_*).
 */
@Controller('v1/ingest/stats')
export class IngestStatsController {
  constructor(private readonly pipeline: IngestPipeline, private readonly storage: FlowStorage) {}

  @Get()
  stats(): Record<string, unknown> {
    return { ...this.pipeline.summary(), storage: this.storage.summary() };
  }
}
