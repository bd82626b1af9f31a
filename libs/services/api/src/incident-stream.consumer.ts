import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Consumers, Topics, type IncidentEventV1 } from '@flowguard/contracts';
import type { Delivered } from '@flowguard/messaging';
import { ConsumersService, Stage } from '@flowguard/service-kit';
import { IncidentStreamGateway } from './incident-stream.gateway';

/**
 * incidents topic → WebSocket clients. One consumer group for the API: with
 * several API replicas each sees only its partitions, so run one replica (or
 * give each its own group) until the stream moves to a fan-out (ADR 0011).
 */
@Injectable()
export class IncidentStreamConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly consumers: ConsumersService,
    private readonly gateway: IncidentStreamGateway,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumers.start('incident-stream', Stage.api, {
      group: Consumers.api,
      topic: Topics.incidents,
      handle: async (batch: ReadonlyArray<Delivered<IncidentEventV1>>) => {
        for (const { value } of batch) this.gateway.broadcast(value);
      },
    });
  }
}
