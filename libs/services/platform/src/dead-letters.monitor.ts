import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Consumers, deadLetterTopic, type ConsumerName, type DeadLetterV1 } from '@flowguard/contracts';
import type { Delivered } from '@flowguard/messaging';
import { ConsumersService, MetricsService, Stage } from '@flowguard/service-kit';

/** A dead letter as the platform shows it: where, why, and a short, printable preview of the payload. */
export interface DeadLetterView {
  readonly consumer: string;
  readonly sourceTopic: string;
  readonly reason: string;
  readonly error: string;
  readonly position?: string;
  readonly partition: number;
  readonly offset: string;
  readonly attempts: number;
  readonly failedAt: number;
  /** first 200 characters of the payload as UTF-8, control characters replaced */
  readonly preview: string;
  readonly payloadBytes: number;
}

export interface DeadLetterSummary {
  /** counts by consumer group and reason since this platform instance started reading */
  readonly counts: Record<string, Record<string, number>>;
  /** newest first */
  readonly recent: DeadLetterView[];
}

const KEEP = 500;

function view(d: DeadLetterV1): DeadLetterView {
  const bytes = Buffer.from(d.payload, 'base64');
  // eslint-disable-next-line no-control-regex
  const preview = bytes.subarray(0, 800).toString('utf8').replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '·').slice(0, 200);
  return {
    consumer: d.consumer, sourceTopic: d.sourceTopic, reason: d.reason, error: d.error,
    ...(d.position !== undefined ? { position: d.position } : {}),
    partition: d.partition, offset: d.offset, attempts: d.attempts, failedAt: d.failedAt, preview, payloadBytes: bytes.length,
  };
}

/**
 * Reads every consumer group's dead-letter topic (group flowguard-platform) so
 * an operator can see what was set aside and why without a Kafka tool: counts
 * by group and reason, and the last 500 letters with their position and a
 * payload preview. The letters stay in their topics for replay.
 */
@Injectable()
export class DeadLettersMonitor implements OnApplicationBootstrap {
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly recent: DeadLetterView[] = [];

  constructor(
    private readonly consumers: ConsumersService,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const groups = Object.values(Consumers) as ConsumerName[];
    await Promise.all(groups.map((group) =>
      this.consumers.start(`dead-letters:${group}`, Stage.platform, {
        group: Consumers.platform,
        topic: deadLetterTopic(group),
        // never throws: a letter that cannot be shown is still counted
        handle: async (batch: ReadonlyArray<Delivered<DeadLetterV1>>) => {
          for (const { value } of batch) this.add(value);
        },
      }),
    ));
  }

  add(d: DeadLetterV1): void {
    const byReason = this.counts.get(d.consumer) ?? new Map<string, number>();
    byReason.set(d.reason, (byReason.get(d.reason) ?? 0) + 1);
    this.counts.set(d.consumer, byReason);
    this.recent.unshift(view(d));
    if (this.recent.length > KEEP) this.recent.length = KEEP;
    this.metrics.counter('flowguard_platform_dead_letters_seen_total', 'dead letters read from the dead-letter topics', ['consumer', 'reason'])
      .inc({ consumer: d.consumer, reason: d.reason });
  }

  summary(filter: { consumer?: string; limit?: number } = {}): DeadLetterSummary {
    const counts: Record<string, Record<string, number>> = {};
    for (const [c, m] of this.counts) counts[c] = Object.fromEntries(m);
    const recent = this.recent.filter((r) => !filter.consumer || r.consumer === filter.consumer).slice(0, filter.limit ?? 100);
    return { counts, recent };
  }
}
