import type { DeadLetterV1 } from '@flowguard/contracts';
import { MetricsService, type ConsumersService } from '@flowguard/service-kit';
import { DeadLettersMonitor } from './dead-letters.monitor';

const letter = (over: Partial<DeadLetterV1> = {}): DeadLetterV1 => ({
  consumer: 'flowguard-ingest-raw', sourceTopic: 'http', partition: -1, offset: '-1', reason: 'parse_error', error: 'field_count: 3 fields',
  position: 'http:r1:2', payload: Buffer.from('bad line').toString('base64'), attempts: 1, failedAt: 1, ...over,
});

describe('DeadLettersMonitor', () => {
  const monitor = () => new DeadLettersMonitor({} as ConsumersService, new MetricsService('platform', false));

  it('counts by group and reason and lists the newest first', () => {
    const m = monitor();
    m.add(letter());
    m.add(letter({ position: 'http:r1:3' }));
    m.add(letter({ consumer: 'flowguard-agents', reason: 'validation_error', sourceTopic: 'flowguard.anomalies.v1', position: undefined }));
    const s = m.summary();
    expect(s.counts).toEqual({ 'flowguard-ingest-raw': { parse_error: 2 }, 'flowguard-agents': { validation_error: 1 } });
    expect(s.recent.map((r) => r.position ?? r.reason)).toEqual(['validation_error', 'http:r1:3', 'http:r1:2']);
    expect(m.summary({ consumer: 'flowguard-agents' }).recent).toHaveLength(1);
    expect(m.summary({ limit: 1 }).recent).toHaveLength(1);
  });

  it('shows a short, printable preview of hostile payloads', () => {
    const m = monitor();
    m.add(letter({ payload: Buffer.concat([Buffer.from('a\u001b[31mb\u202ec'), Buffer.alloc(1000, 0x41)]).toString('base64') }));
    const [r] = m.summary().recent;
    expect(r?.preview.startsWith('a·[31mb·c')).toBe(true);
    expect(r?.preview).toHaveLength(200);
    expect(r?.payloadBytes).toBe(1011);
  });

  it('keeps a bounded history', () => {
    const m = monitor();
    for (let i = 0; i < 600; i++) m.add(letter({ position: `http:r:${i}` }));
    expect(m.summary({ limit: 500 }).recent).toHaveLength(500);
    expect(m.summary().counts['flowguard-ingest-raw']?.['parse_error']).toBe(600);
  });
});
