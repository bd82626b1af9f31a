import { Inject, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { IncidentEventV1 } from '@flowguard/contracts';
import { LOGGER, MetricsService, presentedToken, SERVICE_CONFIG, tokenMatches, type ServiceConfig } from '@flowguard/service-kit';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { WebSocket, type WebSocketServer as WsServer } from 'ws';

/** What the stream sends: one JSON object per WebSocket text frame. */
export type StreamMessage =
  | { readonly type: 'hello'; readonly at: number }
  | { readonly type: 'incident'; readonly event: IncidentEventV1 };

const HEARTBEAT_MS = 30_000;
/** a client that cannot keep up is dropped rather than buffering without bound */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * `GET /v1/stream` (WebSocket): pushes every incident event as it happens.
 * With FLOWGUARD_API_TOKEN set, the client must offer the subprotocol
 * `bearer.<token>` (browsers cannot set an Authorization header on WebSockets).
 * Heartbeat: a ping every 30 s; a client that missed the previous pong is closed.
 */
@WebSocketGateway({ path: '/v1/stream' })
export class IncidentStreamGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  @WebSocketServer() server!: WsServer;
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'stream' });
    this.heartbeat = setInterval(() => this.ping(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  handleConnection(client: WebSocket, request: IncomingMessage): void {
    const token = this.config.http.apiToken;
    if (token && !tokenMatches(presentedToken(request.headers), token)) {
      client.close(4401, 'missing or wrong bearer token');
      return;
    }
    this.alive.set(client, true);
    client.on('pong', () => this.alive.set(client, true));
    this.clientsGauge();
    this.send(client, { type: 'hello', at: Date.now() });
  }

  handleDisconnect(): void {
    this.clientsGauge();
  }

  /** Send an incident event to every connected client. */
  broadcast(event: IncidentEventV1): number {
    let sent = 0;
    for (const client of this.server?.clients ?? []) if (this.send(client, { type: 'incident', event })) sent++;
    this.metrics.counter('flowguard_api_stream_messages_total', 'incident events pushed to WebSocket clients').inc(sent);
    return sent;
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
    for (const client of this.server?.clients ?? []) client.close(1001, 'server shutting down');
  }

  private send(client: WebSocket, message: StreamMessage): boolean {
    if (client.readyState !== WebSocket.OPEN) return false;
    if (client.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.log.warn('dropping a WebSocket client that does not keep up');
      client.terminate();
      return false;
    }
    client.send(JSON.stringify(message));
    return true;
  }

  private ping(): void {
    for (const client of this.server?.clients ?? []) {
      if (this.alive.get(client) === false) {
        client.terminate();
        continue;
      }
      this.alive.set(client, false);
      client.ping();
    }
  }

  private clientsGauge(): void {
    this.metrics.gauge('flowguard_api_stream_clients', 'connected WebSocket clients').set(this.server?.clients.size ?? 0);
  }
}
