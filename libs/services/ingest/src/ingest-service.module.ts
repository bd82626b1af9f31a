import { Module, type DynamicModule } from '@nestjs/common';
import { IngestController } from './ingest.controller';
import { INGEST_CONFIG, loadIngestConfig } from './ingest.config';
import { IngestService } from './ingest.service';

/** The ingest service: HTTP flow-log intake → flows.enriched (+ dead letters). Needs the bus, not the store. */
@Module({})
export class IngestServiceModule {
  static readonly usesStore = false;

  /** Validates the ingest variables now (boot), so a bad value fails fast. */
  static register(env: Record<string, string | undefined> = process.env, defaults: Record<string, string> = {}): DynamicModule {
    return {
      module: IngestServiceModule,
      controllers: [IngestController],
      providers: [{ provide: INGEST_CONFIG, useValue: loadIngestConfig(env, defaults) }, IngestService],
      exports: [IngestService],
    };
  }
}
