import { Consumers, Topics } from '@flowguard/contracts';
import type { Bus, Subscription } from '@flowguard/messaging';
import pino from 'pino';
import { HealthService } from '../health/health.service';
import { ConsumersService, Stage } from './consumers.service';

/** A Bus double that records the order of subscribe/stop calls. */
function recordingBus(failFirstSubscribe = false) {
  const events: string[] = [];
  let fail = failFirstSubscribe;
  const bus: Bus = {
    publish: async () => undefined,
    health: async () => ({ ok: true }),
    close: async () => undefined,
    subscribe: async <T>(s: Subscription<T>) => {
      if (fail) {
        fail = false;
        throw new Error('broker unreachable');
      }
      events.push(`subscribe ${s.group}`);
      return { stop: async () => void events.push(`stop ${s.group}`) };
    },
  };
  return { bus, events };
}

const sub = <T>(group: (typeof Consumers)[keyof typeof Consumers], topic: Subscription<T>['topic']): Subscription<T> => ({ group, topic, handle: async () => undefined });

describe('ConsumersService', () => {
  it('stops consumers stage by stage, draining each stage before the next stops', async () => {
    const { bus, events } = recordingBus();
    const health = new HealthService();
    const c = new ConsumersService(bus, pino({ level: 'silent' }), health);
    await c.start('orchestrator', Stage.orchestrator, sub(Consumers.orchestrator, Topics.classifications));
    await c.start('detect', Stage.detect, sub(Consumers.detect, Topics.flowsEnriched));
    await c.start('agents', Stage.agents, sub(Consumers.agents, Topics.anomalies));
    c.onDrain('detect-flush', Stage.detect, async () => void events.push('drain detect'));
    expect((await health.ready()).status).toBe('ok');
    await c.beforeApplicationShutdown('SIGTERM');
    expect(events.slice(3)).toEqual(['stop flowguard-detect', 'drain detect', 'stop flowguard-agents', 'stop flowguard-orchestrator']);
  });

  it('stays up but not ready when the bus refuses a subscription', async () => {
    const { bus } = recordingBus(true);
    const health = new HealthService();
    const c = new ConsumersService(bus, pino({ level: 'silent' }), health);
    await c.start('agents', Stage.agents, sub(Consumers.agents, Topics.anomalies));
    const report = await health.ready();
    expect(report.status).toBe('unavailable');
    expect(report.checks['consumers']?.detail).toBe('agents: broker unreachable');
    await c.beforeApplicationShutdown();
  });
});
