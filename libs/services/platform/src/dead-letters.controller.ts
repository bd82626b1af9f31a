import { Controller, Get, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { DeadLettersMonitor, type DeadLetterSummary } from './dead-letters.monitor';

export class DeadLettersQuery {
  /** a consumer group name, e.g. flowguard-ingest-raw */
  @IsOptional() @Matches(/^[a-z0-9-]{1,64}$/, { message: 'consumer must be a consumer group name' }) consumer?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}

@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(private readonly monitor: DeadLettersMonitor) {}

  /**
   * `GET /v1/dead-letters?consumer=&limit=` — counts by consumer group and reason, and the most
   * recent dead letters (newest first, default 100, at most 500) with position, error and a
   * payload preview. Read from the dead-letter topics; nothing is removed from them.
   */
  @Get()
  list(@Query() q: DeadLettersQuery): DeadLetterSummary {
    return this.monitor.summary({ ...(q.consumer ? { consumer: q.consumer } : {}), ...(q.limit ? { limit: q.limit } : {}) });
  }
}
