import { Controller, Get } from '@nestjs/common';
import { allTopics } from '@flowguard/contracts';

export interface TopicInfo {
  readonly name: string;
  readonly version: number;
  readonly description: string;
  readonly partitions: number;
  /** what the partition key is */
  readonly key: string;
  readonly contentType: string;
  /** golden fixture of this topic version under libs/contracts/fixtures */
  readonly fixture: string;
}

@Controller('v1/topics')
export class TopicsController {
  /** `GET /v1/topics` — the topic registry: every topic (dead-letter topics included) with key, partitions and encoding. */
  @Get()
  list(): { items: TopicInfo[] } {
    return {
      items: allTopics().map((t) => ({
        name: t.name, version: t.version, description: t.description, partitions: t.partitions,
        key: t.keyDoc, contentType: t.codec.contentType, fixture: t.fixture,
      })),
    };
  }
}
