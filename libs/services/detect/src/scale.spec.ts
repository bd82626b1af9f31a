/**
 * Horizontal scale without a broker: the same input through the two detect
 * stages as 1, 2 and 3 instances, with consumer timing played by a seeded
 * scheduler (scale-harness), must give exactly the same anomalies — and
 * routing by ENI instead of by address must not (which is what makes the
 * equality mean something). The Kafka version with real consumer groups is
 * scale.int-spec.ts.
 */
import { Consumers, Topics, type AnomalyV1, type FlowBatch } from '@flowguard/contracts';
import { bucketOf, defaultDetectionConfig } from '@flowguard/detection';
import { InProcessBus } from '@flowguard/messaging';
import { EmbeddedAnomalyRepository } from '@flowguard/persistence';
import { MetricsService, type ConsumersService } from '@flowguard/service-kit';
import { ThreatIntel } from '@flowguard/threat-intel';
import pino from 'pino';
import { DetectFlowsConsumer } from './detect-flows.consumer';
import { DetectLanes } from './lanes/detect-lanes';
import { DetectRepartitionConsumer } from './repartition/repartition.consumer';
import { RepartitionStage, type FlowRouter } from './repartition/repartition.stage';
import { enrichedLog, finalAnomalies, runScaled } from './testing/scale-harness';
import { SCALE_ACTORS, scaleScenario } from './testing/scale-scenario';

const threatIntel = ThreatIntel.bundled();
const batches = scaleScenario({ minutes: 32, clients: 16 });
const input = enrichedLog(batches);
const summary = (xs: ReadonlyArray<Pick<AnomalyV1, 'detector' | 'actor' | 'targets'>>) =>
  xs.map((a) => `${a.detector} ${a.actor ?? '-'} > ${a.targets.length > 1 ? 'many hosts' : a.targets[0]}`).sort();

/** Misrouting on purpose: both topics keyed by the ENI that recorded the row. */
const byEni = (): FlowRouter => ({
  split: (b: FlowBatch) => {
    const n = Topics.flowsBySource.partitions;
    const rows: number[][] = Array.from({ length: n }, () => []);
    for (let i = 0; i < b.length; i++) rows[bucketOf(b.strings.get(b.interfaceId[i] as number), n)]?.push(i);
    const parts = rows.map((keep) => b.select(keep));
    return { bySrc: parts, byDst: parts };
  },
});

describe('detect at scale (two stages, no broker)', () => {
  const reference = runScaled(input, { instances: 1, seed: 1, threatIntel });
  const expected = finalAnomalies(reference.anomalies);

  it('finds every attack of the scenario with one instance', () => {
    expect(summary(expected)).toEqual([
      `beaconing ${SCALE_ACTORS.beaconer} > ${SCALE_ACTORS.c2}`,
      `brute-force ${SCALE_ACTORS.guesser} > 10.1.0.50`,
      `ddos - > ${SCALE_ACTORS.floodTarget}`,
      `port-scan ${SCALE_ACTORS.inboundScanner} > 10.1.0.10`,
      `port-scan ${SCALE_ACTORS.internalScanner} > 10.1.0.20`,
      `port-scan ${SCALE_ACTORS.lateScanner} > 10.1.0.30`,
      `port-sweep ${SCALE_ACTORS.internetSweeper} > many hosts`,
    ].sort());
    expect(reference.lateDrops).toBe(0);
  });

  it.each([
    [3, 2], [3, 3], [2, 4], [1, 5],
  ])('%i instance(s), interleaving seed %i: exactly the same anomalies (ids, actors, targets, ports, times, evidence)', (instances, seed) => {
    const run = runScaled(input, { instances, seed, threatIntel, maxBatch: 1 + seed });
    expect(finalAnomalies(run.anomalies)).toEqual(expected);
    // the work really was split: every instance ran lanes
    expect(run.lanes).toHaveLength(instances);
    for (const n of run.lanes) expect(n).toBeGreaterThan(0);
  });

  it('would catch wrong keying: routed by ENI, state for one source is split and the sweep across 48 hosts is lost', () => {
    const wrong = summary(finalAnomalies(runScaled(input, { instances: 3, seed: 2, threatIntel, router: byEni }).anomalies));
    expect(wrong).not.toEqual(summary(expected));
    expect(wrong.some((s) => s.startsWith('port-sweep'))).toBe(false);
  });

  it('gives the same anomalies through the in-process bus with the service consumers (the embedded topology)', async () => {
    const bus = new InProcessBus();
    const config = defaultDetectionConfig();
    const stage = new RepartitionStage({ buckets: Topics.flowsBySource.partitions, inferEniOwner: true, punctuateEverySec: config.tickSec });
    const lanes = new DetectLanes({ config, threatIntel, now: () => 0, idleMs: 60_000, expectedOrigins: Topics.flowsEnriched.partitions });
    const consumers = { start: async (_n: string, _s: number, sub: never) => void (await bus.subscribe(sub)), onDrain: () => undefined } as unknown as ConsumersService;
    const metrics = new MetricsService('detect', false);
    const anomalies = await EmbeddedAnomalyRepository.open();
    const detect = new DetectFlowsConsumer(bus, anomalies, lanes, { idleFlushMs: 0 }, consumers, metrics, pino({ level: 'silent' }));
    await detect.onApplicationBootstrap();
    await new DetectRepartitionConsumer(bus, stage, consumers, metrics).onApplicationBootstrap();
    const published: AnomalyV1[] = [];
    await bus.subscribe({ group: Consumers.agents, topic: Topics.anomalies, handle: async (b) => void published.push(...b.map((d) => d.value)) });
    const rows = input.reduce((n, log) => n + log.reduce((m, d) => m + d.value.length, 0), 0);
    for (const log of input) for (const d of log) await bus.publish(Topics.flowsEnriched, [d.value], { key: d.value.strings.get(d.value.interfaceId[0] as number) });
    const deadline = Date.now() + 10_000;
    const seen = () => lanes.stats().reduce((n, l) => n + l.engine.records + l.buffered, 0);
    while (seen() < 2 * rows && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(stage.counters.rows).toBe(rows);
    expect(stage.originIds).toEqual([0, 1, 2, 3, 4, 5]);
    await detect.flush('shutdown');
    await bus.close();
    detect.onModuleDestroy();
    expect(finalAnomalies(published)).toEqual(expected);
  });
});
