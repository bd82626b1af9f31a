import { Module, type DynamicModule } from '@nestjs/common';
import { FirehoseController } from './delivery/firehose.controller';
import { IngestSinks } from './delivery/ingest-sinks';
import { KinesisSource } from './delivery/kinesis.source';
import { S3Source } from './delivery/s3.source';
import { IngestController } from './ingest.controller';
import { INGEST_CONFIG, loadIngestConfig } from './ingest.config';
import { IngestService } from './ingest.service';

/**
 * The ingest service: flow logs from HTTP, local files, Firehose, Kinesis and S3 →
 * flows.enriched (+ dead letters). The AWS paths are on only when configured.
 * Needs the bus, not the store.
 */
@Module({})
export class IngestServiceModule {
  static readonly usesStore = false;

  /** Validates the ingest variables now (boot), so a bad value fails fast. */
  static register(env: Record<string, string | undefined> = process.env, defaults: Record<string, string> = {}): DynamicModule {
    return {
      module: IngestServiceModule,
      controllers: [IngestController, FirehoseController],
      providers: [{ provide: INGEST_CONFIG, useValue: loadIngestConfig(env, defaults) }, IngestService, IngestSinks, KinesisSource, S3Source],
      exports: [IngestService],
    };
  }
}
