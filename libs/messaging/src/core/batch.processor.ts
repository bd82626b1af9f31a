/**
 * The consumer-runner core shared by every bus adapter, so delivery semantics
 * are identical in Kafka and in the in-process bus:
 *
 * 1. every message is decoded with its topic's codec (which validates
 *    control-plane messages with class-validator); one that fails becomes a
 *    dead letter (decode_error / validation_error) and never blocks the partition;
 * 2. the valid messages are passed to `subscription.handle` as one batch;
 * 3. when `handle` throws, it is retried with exponential backoff
 *    (retryBaseMs, doubled each time, at most maxRetries retries); after that every
 *    message of the batch becomes a dead letter with reason handler_error;
 * 4. the caller commits offsets only when the outcome is `commit`, i.e. after
 *    `handle` resolved or the messages were dead-lettered.
 *
 * When the subscription is stopping while `handle` keeps failing, the outcome is
 * `abort`: nothing is dead-lettered or committed and the batch is redelivered to
 * the next member of the group (at-least-once, not at-most-once).
 */
import type { ConsumerName, DeadLetterV1 } from '@flowguard/contracts';
import type { BusLogger, BusMetrics, Delivered, MessageMeta, Subscription } from '../bus.port';
import type { Clock } from './clock';

export const DEFAULT_MAX_RETRIES = 5;
export const DEFAULT_RETRY_BASE_MS = 200;
export const DEFAULT_MAX_BATCH_SIZE = 100;
/** a backoff step never waits longer than this, whatever maxRetries says */
export const MAX_BACKOFF_MS = 30_000;

/** One message as an adapter fetched it, before decoding. */
export interface RawMessage {
  readonly value: Buffer | null;
  readonly key: string | null;
  readonly partition: number;
  readonly offset: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
}

export interface BatchProcessorDeps {
  /** publishes to the group's dead-letter topic; a rejection aborts the batch uncommitted */
  readonly deadLetter: (letters: DeadLetterV1[]) => Promise<void>;
  readonly metrics: BusMetrics;
  readonly logger: BusLogger;
  readonly clock: Clock;
}

export interface BatchControl {
  /** true once the subscription was asked to stop */
  isStopping(): boolean;
  /** resolves when the subscription is asked to stop, to cut a backoff sleep short */
  readonly stopped?: Promise<void>;
}

export type BatchOutcome =
  | { readonly kind: 'commit'; readonly handled: number; readonly deadLettered: number; readonly attempts: number }
  | { readonly kind: 'abort'; readonly attempts: number };

/** Thrown when dead letters could not be published: the batch must stay uncommitted. */
export class DeadLetterPublishError extends Error {
  constructor(cause: unknown) {
    super(`could not publish dead letters: ${errorText(cause)}`, { cause });
    this.name = 'DeadLetterPublishError';
  }
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  try {
    return typeof e === 'string' ? e : JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export function backoffMs(retryBaseMs: number, retry: number): number {
  return Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** (retry - 1));
}

export function deadLetterOf(
  group: ConsumerName,
  topic: string,
  m: RawMessage,
  reason: string,
  error: string,
  attempts: number,
  now: number,
): DeadLetterV1 {
  return {
    consumer: group,
    sourceTopic: topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key === null ? null : clip(m.key, 1024),
    reason,
    error: clip(error, 4000),
    payload: m.value ? m.value.toString('base64') : '',
    attempts,
    failedAt: now,
  };
}

/**
 * Decode, handle with retries, dead-letter. Resolves with what the caller may
 * commit; rejects only with {@link DeadLetterPublishError} (nothing to commit then).
 */
export async function processBatch<T>(
  sub: Subscription<T>,
  topic: string,
  messages: ReadonlyArray<RawMessage>,
  deps: BatchProcessorDeps,
  control: BatchControl,
): Promise<BatchOutcome> {
  const maxRetries = Math.max(0, sub.maxRetries ?? DEFAULT_MAX_RETRIES);
  const retryBaseMs = Math.max(0, sub.retryBaseMs ?? DEFAULT_RETRY_BASE_MS);
  const letters: DeadLetterV1[] = [];
  const valid: Array<Delivered<T>> = [];
  const validRaw: RawMessage[] = [];

  for (const m of messages) {
    if (m.value === null) {
      letters.push(deadLetterOf(sub.group, topic, m, 'decode_error', 'message has no value (tombstone)', 1, deps.clock.now()));
      continue;
    }
    const d = sub.topic.codec.decode(m.value);
    if (!d.ok) {
      letters.push(deadLetterOf(sub.group, topic, m, d.reason, d.error, 1, deps.clock.now()));
      continue;
    }
    const meta: MessageMeta = { topic, partition: m.partition, offset: m.offset, key: m.key, headers: m.headers, timestamp: m.timestamp };
    valid.push({ value: d.value, meta });
    validRaw.push(m);
  }

  let attempts = 0;
  let handled = 0;
  if (valid.length > 0) {
    for (;;) {
      attempts++;
      try {
        await sub.handle(valid);
        handled = valid.length;
        break;
      } catch (e) {
        const error = errorText(e);
        if (attempts > maxRetries) {
          deps.logger.error('handler failed after retries; dead-lettering the batch', {
            topic, group: sub.group, attempts, messages: valid.length, error,
          });
          const now = deps.clock.now();
          for (const m of validRaw) letters.push(deadLetterOf(sub.group, topic, m, 'handler_error', error, attempts, now));
          break;
        }
        if (control.isStopping()) return { kind: 'abort', attempts };
        const delay = backoffMs(retryBaseMs, attempts);
        deps.logger.warn('handler failed; retrying', { topic, group: sub.group, attempt: attempts, delayMs: delay, error });
        deps.metrics.retried(topic, sub.group);
        await sleepUnlessStopped(deps.clock, delay, control);
        if (control.isStopping()) return { kind: 'abort', attempts };
      }
    }
  }

  if (letters.length > 0) {
    try {
      await deps.deadLetter(letters);
    } catch (e) {
      throw new DeadLetterPublishError(e);
    }
    for (const l of letters) deps.metrics.deadLettered(topic, sub.group, l.reason);
  }
  if (handled > 0) deps.metrics.consumed(topic, sub.group, handled);
  return { kind: 'commit', handled, deadLettered: letters.length, attempts };
}

async function sleepUnlessStopped(clock: Clock, ms: number, control: BatchControl): Promise<void> {
  if (!control.stopped) return clock.sleep(ms);
  await Promise.race([clock.sleep(ms), control.stopped]);
}

/**
 * A one-shot stop signal an adapter hands to {@link processBatch}:
 * `trigger()` flips `isStopping()` synchronously and resolves `stopped`.
 */
export class StopSignal implements BatchControl {
  private flag = false;
  private resolveStopped!: () => void;
  readonly stopped = new Promise<void>((r) => (this.resolveStopped = r));

  isStopping(): boolean {
    return this.flag;
  }

  trigger(): void {
    if (this.flag) return;
    this.flag = true;
    this.resolveStopped();
  }
}
