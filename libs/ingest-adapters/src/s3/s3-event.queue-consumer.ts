/**
 * S3 event notifications through SQS: the discovery path that scales with the
 * bucket (listing reads the whole prefix every poll; a notification names the
 * new object). Long-polls the queue, hands each message body to the S3 source
 * (`S3FlowLogSource.handleEventMessage`), and deletes the message only after
 * the handler resolved, i.e. after every object it names is durably in Kafka
 * and in the ledger. So nothing is acknowledged upstream before it is durable.
 *
 * - A message whose handling fails (Kafka or S3 down) is not deleted: its
 *   visibility is set to a back-off that grows with its receive count, and
 *   SQS delivers it again; the queue's redrive policy (maxReceiveCount) moves a
 *   message that keeps failing to the queue's own dead-letter queue.
 * - A malformed message is dead-lettered by the handler (Kafka DLQ, counted)
 *   and then deleted: retrying cannot fix it.
 * - While a large object is read, the message's visibility is extended every
 *   half timeout, so a second ingest task does not receive it meanwhile.
 * - Messages of one receive are handled one after another (objects are large;
 *   parallelism comes from more tasks, which SQS balances).
 */
import {
  ChangeMessageVisibilityCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message, type SQSClient,
} from '@aws-sdk/client-sqs';
import { noopIngestMetrics, type IngestMetrics } from '@flowguard/ingest-pipeline';

export interface S3EventQueueOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** handles one message body; resolves when what it names is durable, throws when it should be retried */
  readonly handle: (body: string, position: string) => Promise<unknown>;
  /** long-poll wait, seconds (0-20; default 20) */
  readonly waitTimeSeconds?: number;
  /** messages per receive (1-10; default 10) */
  readonly maxMessages?: number;
  /** visibility while a message is handled, seconds; extended every half of it (default 300) */
  readonly visibilityTimeoutSec?: number;
  /** first retry delay of a failed message, seconds; doubles per receive, at most 900 (default 30) */
  readonly retryDelaySec?: number;
  /** pause after a failed receive (queue unreachable), ms (default 5,000) */
  readonly receiveErrorPauseMs?: number;
  readonly metrics?: IngestMetrics;
  /** told about every failure (receive, handle, delete) for logging */
  readonly onError?: (err: unknown, what: 'receive' | 'handle' | 'delete', messageId?: string) => void;
}

export interface QueuePassReport {
  readonly received: number;
  readonly deleted: number;
  readonly failed: number;
}

const MAX_VISIBILITY_SEC = 12 * 3600; // SQS maximum

export class S3EventQueueConsumer {
  private readonly metrics: IngestMetrics;
  private abort?: AbortController;
  private loop?: Promise<void>;
  private stopping = false;
  private wake?: () => void;
  private lastError_: string | undefined;

  constructor(private readonly o: S3EventQueueOptions) {
    this.metrics = o.metrics ?? noopIngestMetrics;
  }

  /** The last receive or handling error, cleared by a successful pass (for health checks). */
  get lastError(): string | undefined {
    return this.lastError_;
  }

  /** Receive and handle until {@link stop}. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.runOnce();
        } catch (err) {
          if (this.stopping) break;
          this.lastError_ = err instanceof Error ? err.message : String(err);
          this.o.onError?.(err, 'receive');
          await new Promise<void>((r) => {
            this.wake = r;
            setTimeout(r, this.o.receiveErrorPauseMs ?? 5000).unref();
          });
        }
      }
    })();
  }

  /** Stop receiving; a message being handled is finished (and deleted) first. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** One receive (long poll) and the handling of what it returned. Throws when the receive fails. */
  async runOnce(): Promise<QueuePassReport> {
    this.abort = new AbortController();
    let messages: Message[];
    try {
      const res = await this.o.client.send(new ReceiveMessageCommand({
        QueueUrl: this.o.queueUrl,
        MaxNumberOfMessages: this.o.maxMessages ?? 10,
        WaitTimeSeconds: this.o.waitTimeSeconds ?? 20,
        VisibilityTimeout: this.visibility(),
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }), { abortSignal: this.abort.signal });
      messages = res.Messages ?? [];
    } catch (err) {
      if (this.stopping) return { received: 0, deleted: 0, failed: 0 };
      this.metrics.add('s3_event_receive_errors_total', 1);
      throw err;
    }
    let deleted = 0;
    let failed = 0;
    for (const m of messages) {
      // finish what was received even when stopping: its visibility would only delay it
      if (await this.handleOne(m)) deleted++;
      else failed++;
    }
    if (failed === 0) this.lastError_ = undefined;
    return { received: messages.length, deleted, failed };
  }

  /** True when the message was handled and deleted. */
  private async handleOne(m: Message): Promise<boolean> {
    const id = m.MessageId ?? '?';
    const receipt = m.ReceiptHandle;
    if (!receipt) return false;
    const visibility = this.visibility();
    // keep the message invisible while its objects are read (a 75 MB object can take a while)
    const keepAlive = setInterval(() => {
      this.o.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.o.queueUrl, ReceiptHandle: receipt, VisibilityTimeout: visibility }))
        .catch((err) => this.o.onError?.(err, 'handle', id));
    }, Math.max(1000, (visibility * 1000) / 2));
    keepAlive.unref();
    try {
      await this.o.handle(m.Body ?? '', `sqs:${id}`);
    } catch (err) {
      clearInterval(keepAlive);
      this.lastError_ = err instanceof Error ? err.message : String(err);
      this.metrics.add('s3_event_messages_total', 1, { outcome: 'retry' });
      this.o.onError?.(err, 'handle', id);
      const receives = Number(m.Attributes?.ApproximateReceiveCount ?? '1') || 1;
      const delay = Math.min(900, (this.o.retryDelaySec ?? 30) * 2 ** Math.min(10, receives - 1));
      await this.o.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.o.queueUrl, ReceiptHandle: receipt, VisibilityTimeout: delay }))
        .catch((e) => this.o.onError?.(e, 'handle', id)); // the receive's visibility then applies
      return false;
    }
    clearInterval(keepAlive);
    try {
      await this.o.client.send(new DeleteMessageCommand({ QueueUrl: this.o.queueUrl, ReceiptHandle: receipt }));
    } catch (err) {
      // delivered again later: the ledger answers `already_done`, nothing is ingested twice
      this.metrics.add('s3_event_messages_total', 1, { outcome: 'delete_failed' });
      this.o.onError?.(err, 'delete', id);
      return false;
    }
    this.metrics.add('s3_event_messages_total', 1, { outcome: 'handled' });
    return true;
  }

  private visibility(): number {
    return Math.min(MAX_VISIBILITY_SEC, Math.max(30, Math.floor(this.o.visibilityTimeoutSec ?? 300)));
  }
}
