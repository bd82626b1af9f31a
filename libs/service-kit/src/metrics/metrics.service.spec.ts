import { MetricsService, PromBusMetrics } from './metrics.service';

describe('metrics', () => {
  it('exposes bus counters and per-service counters with the service label', async () => {
    const m = new MetricsService('ingest', false);
    const bus = new PromBusMetrics(m);
    bus.published('flowguard.anomalies.v1', 3);
    bus.deadLettered('flowguard.anomalies.v1', 'flowguard-agents', 'validation_error');
    m.counter('flowguard_ingest_records_total', 'records', ['outcome']).inc({ outcome: 'parsed' }, 5);
    const { body, contentType } = await m.render();
    expect(contentType).toMatch(/text\/plain/);
    expect(body).toContain('flowguard_bus_published_messages_total{topic="flowguard.anomalies.v1",service="ingest"} 3');
    expect(body).toContain('flowguard_bus_dead_lettered_messages_total{topic="flowguard.anomalies.v1",group="flowguard-agents",reason="validation_error",service="ingest"} 1');
    expect(body).toContain('flowguard_ingest_records_total{outcome="parsed",service="ingest"} 5');
  });

  it('keeps registries apart so two services can share a process', async () => {
    const a = new MetricsService('a', true);
    const b = new MetricsService('b', true);
    a.counter('flowguard_x_total', 'x').inc();
    expect(b.counter('flowguard_x_total', 'x')).not.toBe(a.counter('flowguard_x_total', 'x'));
    expect((await b.render()).body).toContain('flowguard_process_cpu_user_seconds_total');
    expect((await b.render()).body).toContain('flowguard_x_total{service="b"} 0');
  });
});
