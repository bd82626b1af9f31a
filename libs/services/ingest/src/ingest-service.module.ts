import { Module, type DynamicModule } from '@nestjs/common';
import { DeliveryState } from './delivery/delivery-state';
import { FirehoseController } from './delivery/firehose.controller';
import { IngestSinks } from './delivery/ingest-sinks';
import { KinesisSource } from './delivery/kinesis.source';
import { S3Source } from './delivery/s3.source';
import { FlowExportController } from './history/flow-export.controller';
import { FlowHistoryController } from './history/flow-history.controller';
import { IngestController } from './ingest.controller';
import { INGEST_CONFIG, loadIngestConfig } from './ingest.config';
import { IngestService } from './ingest.service';
import { IngestPipeline } from './pipeline/ingest-pipeline.service';
import { IngestStatsController } from './stats/ingest-stats.controller';
import { FlowStorage } from './storage/flow-storage.service';

/**
 * The ingest service: flow logs from HTTP, local files, Firehose, Kinesis and S3,
 * all through one pipeline (threat-intel marks → tier-1 filter → enrichment) →
 * flows.enriched (+ dead letters) and flow storage (Parquet / OpenSearch), with
 * the history query over the stored flows. The AWS paths are on only when
 * configured. Needs the bus, not the store.
 */
@Module({})
export class IngestServiceModule {
  static readonly usesStore = false;

  /** Validates the ingest variables (and the files they name) now, at boot, so a bad value fails fast. */
  static register(env: Record<string, string | undefined> = process.env, defaults: Record<string, string> = {}): DynamicModule {
    return {
      module: IngestServiceModule,
      controllers: [IngestController, FirehoseController, FlowHistoryController, FlowExportController, IngestStatsController],
      providers: [
        { provide: INGEST_CONFIG, useValue: loadIngestConfig(env, defaults) },
        FlowStorage, IngestPipeline, IngestSinks, IngestService, DeliveryState, KinesisSource, S3Source,
      ],
      exports: [IngestService, IngestPipeline, FlowStorage, KinesisSource],
    };
  }
}
