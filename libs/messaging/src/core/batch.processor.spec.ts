import { Consumers, Topics, deadLetterTopic, type AnomalyV1, type DeadLetterV1 } from '@flowguard/contracts';
import { silentBusLogger, type BusMetrics, type Delivered, type Subscription } from '../bus.port';
import { sampleAnomaly } from '../testing/fixtures';
import {
  DeadLetterPublishError, MAX_BACKOFF_MS, StopSignal, backoffMs, processBatch, type BatchProcessorDeps, type RawMessage,
} from './batch.processor';
import { ManualClock } from './clock';

const TOPIC = Topics.anomalies.name;

function raw(offset: number, value: Buffer | null, key: string | null = 'k'): RawMessage {
  return { value, key, partition: 2, offset: String(offset), headers: {}, timestamp: 1000 + offset };
}
const good = (offset: number, id = `anomaly-${offset}-xyz`) => raw(offset, Topics.anomalies.codec.encode(sampleAnomaly(id, offset)));

function recordingMetrics() {
  const calls = { consumed: 0, retried: 0, dead: [] as string[] };
  const metrics: BusMetrics = {
    published: () => undefined,
    consumed: (_t, _g, n) => void (calls.consumed += n),
    deadLettered: (_t, _g, reason) => void calls.dead.push(reason),
    retried: () => void calls.retried++,
  };
  return { calls, metrics };
}

function setup(handle: Subscription<AnomalyV1>['handle'], opts: Partial<Subscription<AnomalyV1>> = {}) {
  const clock = new ManualClock(5_000);
  const letters: DeadLetterV1[] = [];
  const { calls, metrics } = recordingMetrics();
  const deps: BatchProcessorDeps = {
    deadLetter: async (ls) => void letters.push(...ls),
    metrics, logger: silentBusLogger, clock,
  };
  const sub: Subscription<AnomalyV1> = { group: Consumers.orchestrator, topic: Topics.anomalies, handle, ...opts };
  return { clock, letters, calls, deps, sub };
}

/** Run a batch to completion, advancing the manual clock whenever the processor sleeps. */
async function drive<T>(p: Promise<T>, clock: ManualClock, onSleep?: () => void): Promise<T> {
  let done = false;
  const result = p.finally(() => (done = true));
  result.catch(() => undefined); // the caller sees the rejection when it awaits the result
  while (!done) {
    await new Promise((r) => setImmediate(r));
    if (clock.pending > 0) {
      onSleep?.();
      clock.advance(MAX_BACKOFF_MS);
    }
  }
  return result;
}

describe('processBatch (shared consumer core)', () => {
  it('passes valid messages to the handler and dead-letters undecodable or invalid ones', async () => {
    const seen: Array<Delivered<AnomalyV1>> = [];
    const { clock, letters, calls, deps, sub } = setup(async (b) => void seen.push(...b));
    const batch = [
      good(10),
      raw(11, Buffer.from('{not json')),
      good(12),
      raw(13, Buffer.from(JSON.stringify({ anomalyId: 'x' }))),
      raw(14, null, null),
    ];
    const out = await drive(processBatch(sub, TOPIC, batch, deps, new StopSignal()), clock);

    expect(out).toEqual({ kind: 'commit', handled: 2, deadLettered: 3, attempts: 1 });
    expect(seen.map((d) => d.meta.offset)).toEqual(['10', '12']);
    expect(seen[0]?.value.occurrences).toBe(10);
    expect(seen[0]?.meta).toMatchObject({ topic: TOPIC, partition: 2, key: 'k', timestamp: 1010 });
    expect(letters.map((l) => [l.offset, l.reason])).toEqual([
      ['11', 'decode_error'], ['13', 'validation_error'], ['14', 'decode_error'],
    ]);
    expect(letters[0]).toMatchObject({
      consumer: Consumers.orchestrator, sourceTopic: TOPIC, partition: 2, key: 'k', attempts: 1, failedAt: 5_000,
    });
    expect(Buffer.from(letters[0]?.payload ?? '', 'base64').toString()).toBe('{not json');
    expect(letters[1]?.error).toMatch(/anomalyId|detector/);
    expect(letters[2]?.key).toBeNull();
    expect(calls).toEqual({ consumed: 2, retried: 0, dead: ['decode_error', 'validation_error', 'decode_error'] });
  });

  it('retries a failing handler with doubling backoff and commits once it succeeds', async () => {
    let calls = 0;
    const { clock, letters, calls: m, deps, sub } = setup(
      async () => {
        if (++calls < 3) throw new Error(`boom ${calls}`);
      },
      { retryBaseMs: 100, maxRetries: 5 },
    );
    const out = await drive(processBatch(sub, TOPIC, [good(1), good(2)], deps, new StopSignal()), clock);
    expect(out).toEqual({ kind: 'commit', handled: 2, deadLettered: 0, attempts: 3 });
    expect(clock.sleeps).toEqual([100, 200]);
    expect(letters).toEqual([]);
    expect(m.retried).toBe(2);
    expect(m.consumed).toBe(2);
  });

  it('dead-letters every message of the batch after maxRetries with reason handler_error', async () => {
    let calls = 0;
    const { clock, letters, calls: m, deps, sub } = setup(
      async () => {
        calls++;
        throw new Error('database down');
      },
      { retryBaseMs: 50, maxRetries: 3 },
    );
    const out = await drive(processBatch(sub, TOPIC, [good(1), raw(2, Buffer.from('x')), good(3)], deps, new StopSignal()), clock);
    expect(calls).toBe(4);
    expect(clock.sleeps).toEqual([50, 100, 200]);
    expect(out).toEqual({ kind: 'commit', handled: 0, deadLettered: 3, attempts: 4 });
    expect(letters.map((l) => [l.offset, l.reason, l.attempts])).toEqual([
      ['2', 'decode_error', 1], ['1', 'handler_error', 4], ['3', 'handler_error', 4],
    ]);
    expect(letters[1]?.error).toBe('database down');
    expect(m.dead).toEqual(['decode_error', 'handler_error', 'handler_error']);
    expect(m.consumed).toBe(0);
  });

  it('aborts without dead-lettering when the subscription stops during backoff', async () => {
    const stop = new StopSignal();
    const { clock, letters, deps, sub } = setup(async () => {
      throw new Error('flaky');
    }, { retryBaseMs: 1_000, maxRetries: 10 });
    const p = processBatch(sub, TOPIC, [good(1)], deps, stop);
    // stop while the first backoff is pending: the sleep is cut short
    await new Promise((r) => setImmediate(r));
    expect(clock.pending).toBe(1);
    stop.trigger();
    const out = await p;
    expect(out).toEqual({ kind: 'abort', attempts: 1 });
    expect(letters).toEqual([]);
  });

  it('dead-letters the invalid messages of a batch that has no valid message', async () => {
    const handle = jest.fn(async () => undefined);
    const { clock, letters, deps, sub } = setup(handle);
    const out = await drive(processBatch(sub, TOPIC, [raw(7, Buffer.from('[]'))], deps, new StopSignal()), clock);
    expect(handle).not.toHaveBeenCalled();
    expect(out.kind).toBe('commit');
    expect(letters[0]).toMatchObject({ reason: 'validation_error', error: 'message is not a JSON object' });
  });

  it('rejects with DeadLetterPublishError, counting nothing, when the dead-letter topic is unavailable', async () => {
    const { clock, calls, deps, sub } = setup(async () => undefined);
    const failing = { ...deps, deadLetter: async () => Promise.reject(new Error('broker gone')) };
    await expect(drive(processBatch(sub, TOPIC, [raw(1, Buffer.from('nope'))], failing, new StopSignal()), clock))
      .rejects.toBeInstanceOf(DeadLetterPublishError);
    expect(calls.dead).toEqual([]);
  });

  it('clips long keys and errors to what DeadLetterV1 accepts, and the record validates', async () => {
    const { clock, letters, deps, sub } = setup(async () => {
      throw new Error('e'.repeat(10_000));
    }, { maxRetries: 0 });
    const longKey = 'k'.repeat(5_000);
    await drive(processBatch(sub, TOPIC, [{ ...good(1), key: longKey }], deps, new StopSignal()), clock);
    expect(letters[0]?.key?.length).toBe(1024);
    expect(letters[0]?.error.length).toBe(4000);
    const codec = deadLetterTopic(Consumers.orchestrator).codec;
    const [letter] = letters;
    if (!letter) throw new Error('no dead letter');
    expect(codec.decode(codec.encode(letter)).ok).toBe(true);
  });

  it('caps the backoff', () => {
    expect(backoffMs(200, 1)).toBe(200);
    expect(backoffMs(200, 4)).toBe(1_600);
    expect(backoffMs(200, 30)).toBe(MAX_BACKOFF_MS);
  });
});
