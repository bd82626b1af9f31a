/**
 * Horizontal scale over a REAL Kafka broker: the same simulated traffic (scans,
 * a sweep, a flood from many sources, beaconing, SSH guessing) through
 * (a) one detect service instance and (b) three instances of one consumer
 * group — three Nest applications in this process, each with its own KafkaBus —
 * in a fresh namespace per case. The anomalies published on anomalies.v1 must
 * be identical (ids, actors, targets, ports, first/last seen, evidence, …), and
 * identical to the brokerless two-stage run (scale-harness). scale.spec.ts shows
 * that routing by ENI would not give the same anomalies.
 *
 *   FLOWGUARD_SERVERS=kafka npx jest -c jest.integration.config.js libs/services/detect/src/scale.int-spec.ts
 *
 * SCALE_LOG_LEVEL=info SCALE_LOG_FILE=/tmp/scale.log keeps the services' logs (group joins with
 * member ids, rebalances, membership checks). If the group does not settle, the error carries each
 * member's own account (member id, generation, last heartbeat, errors, restarts): see docs/adr/0025.
 */
import { allTopics, Consumers, Topics, type AnomalyV1 } from '@flowguard/contracts';
import { KafkaBus } from '@flowguard/kafka';
import { BUS, createServiceApp, listenServiceApp, type ServiceApp } from '@flowguard/service-kit';
import { ThreatIntel } from '@flowguard/threat-intel';
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { DetectServiceModule } from './detect-service.module';
import { DETECT_LANES, DETECT_REPARTITION } from './detect.tokens';
import type { DetectLanes } from './lanes/detect-lanes';
import type { RepartitionStage } from './repartition/repartition.stage';
import { enrichedLog, finalAnomalies, runScaled } from './testing/scale-harness';
import { simulatedFlows } from './testing/simulated-flows';


jest.setTimeout(240_000);

const KAFKA_BROKERS = process.env['KAFKA_BROKERS'];
const run = `dscale${Date.now().toString(36)}`;
const logFile = process.env['SCALE_LOG_FILE'];
const quiet = logFile ? createWriteStream(logFile, { flags: 'a' }) : new Writable({ write: (_c, _e, cb) => cb() });
const RETRY = { retries: 3, initialRetryTime: 100 };

const input = enrichedLog(simulatedFlows({ records: 120_000, hours: 2 }));
const totalRows = input.reduce((n, log) => n + log.reduce((m, d) => m + d.value.length, 0), 0);

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every partition of `topic` owned by exactly one of the buses, and every bus owning some. */
function balanced(buses: KafkaBus[], group: string, topic: { name: string; partitions: number }): boolean {
  const owned = buses.map((b) => b.assignments(group, topic).flat());
  const all = owned.flat().sort((a, b) => a - b);
  return all.length === topic.partitions && all.every((p, i) => p === i) && owned.every((o) => o.length > 0);
}

/** Run the detect service as `instances` members of one group on the input; return what it published. */
async function detectWith(instances: number): Promise<{ anomalies: AnomalyV1[]; stages: RepartitionStage[]; lanes: DetectLanes[]; laneCounts: number[] }> {
  const namespace = `${run}i${instances}.`;
  const env = {
    FLOWGUARD_BUS: 'kafka', KAFKA_BROKERS, KAFKA_NAMESPACE: namespace, FLOWGUARD_STORE: 'embedded',
    PORT: '0', HOST: '127.0.0.1', METRICS_DEFAULT: 'false', LOG_LEVEL: process.env['SCALE_LOG_LEVEL'] ?? 'silent',
    // windows close on the data and at shutdown; an idle origin must not be given up on mid-run
    DETECT_IDLE_FLUSH_MS: '120000',
  };
  const client = new KafkaBus({ brokers: (KAFKA_BROKERS as string).split(','), clientId: `${run}-test`, namespace, retry: RETRY });
  const apps: ServiceApp[] = [];
  try {
    await client.ensureTopics(allTopics());
    const published: AnomalyV1[] = [];
    await client.subscribe({ group: Consumers.agents, topic: Topics.anomalies, handle: async (b) => void published.push(...b.map((d) => d.value)) });
    for (let i = 0; i < instances; i++) {
      const s = await createServiceApp({
        service: 'detect', modules: [DetectServiceModule.register(env)], store: DetectServiceModule.usesStore,
        env: { ...env, KAFKA_CLIENT_ID: `${run}-detect-${i}` }, logDestination: quiet, shutdownHooks: false,
      });
      apps.push(s);
      const url = await listenServiceApp(s);
      await eventually(async () => ((await fetch(`${url}/health/ready`)).status === 200 ? true : undefined), 60_000, `instance ${i} ready`);
    }
    const buses = apps.map((a) => a.app.get<KafkaBus>(BUS));
    // the group settled: each instance owns some partitions of every topic, none twice (state must not move mid-run)
    const groups = [[Consumers.detectRepartition, Topics.flowsEnriched], [Consumers.detect, Topics.flowsBySource], [Consumers.detect, Topics.flowsByDestination]] as const;
    await eventually(() => (groups.every(([g, t]) => balanced(buses, g, t)) ? true : undefined), 120_000,
      `${instances} members with balanced assignments (now: ${JSON.stringify(groups.map(([g, t]) => buses.map((b) => b.assignments(g, t))))})`)
      .catch((e: unknown) => {
        // evidence for the next investigation: what each member believes about its membership
        const members = groups.map(([g, t]) => buses.map((b) => b.membership(g, t)));
        throw new Error(`${String(e)}; finally: ${JSON.stringify(groups.map(([g, t]) => buses.map((b) => b.assignments(g, t))))}; members: ${JSON.stringify(members)}`);
      });

    // the producer: every enriched message keyed by one of its ENIs (they all hash to its partition), in order
    for (const log of input) {
      for (const d of log) await client.publish(Topics.flowsEnriched, [d.value], { key: d.value.strings.get(d.value.interfaceId[0] as number) });
    }
    const stages = apps.map((a) => a.app.get<RepartitionStage>(DETECT_REPARTITION));
    const lanes = apps.map((a) => a.app.get<DetectLanes>(DETECT_LANES));
    await eventually(() => {
      const split = stages.reduce((n, s) => n + s.counters.rows, 0);
      const held = lanes.reduce((n, l) => n + l.stats().reduce((m, s) => m + s.engine.records + s.buffered, 0), 0);
      return split === totalRows && held === 2 * totalRows ? true : undefined;
    }, 120_000, 'every row split and in a lane, once by source and once by destination');

    const laneCounts = lanes.map((l) => l.size);
    // shutdown flushes every lane (what windows are still open goes out now), then the anomalies topic settles
    await Promise.all(apps.map((a) => a.app.close()));
    apps.length = 0;
    let last = -1;
    await eventually(async () => {
      const n = published.length;
      const stable = n === last && n > 0;
      last = n;
      if (!stable) await new Promise((r) => setTimeout(r, 1500));
      return stable ? true : undefined;
    }, 60_000, 'anomalies.v1 to settle');
    return { anomalies: published, stages, lanes, laneCounts };
  } finally {
    await Promise.all(apps.map((a) => a.app.close().catch(() => undefined)));
    await client.close();
  }
}

describe('detect service at scale over Kafka (1 instance vs 3 instances of one group)', () => {
  let one: Awaited<ReturnType<typeof detectWith>>;
  let three: Awaited<ReturnType<typeof detectWith>>;

  beforeAll(async () => {
    if (!KAFKA_BROKERS) throw new Error('KAFKA_BROKERS must be set: run through jest.integration.config.js, which starts Kafka');
    one = await detectWith(1);
    three = await detectWith(3);
  });

  it('finds the simulated attacks with one instance', () => {
    const found = finalAnomalies(one.anomalies);
    const count = (d: string) => found.filter((a) => a.detector === d).length;
    expect(count('port-scan')).toBeGreaterThanOrEqual(2);
    expect(count('port-sweep')).toBeGreaterThanOrEqual(1);
    expect(count('ddos')).toBeGreaterThanOrEqual(1);
    expect(count('beaconing')).toBeGreaterThanOrEqual(1);
    expect(count('brute-force')).toBeGreaterThanOrEqual(1);
    expect(one.lanes[0]?.stats().every((l) => l.engine.lateDrops === 0)).toBe(true);
  });

  it('publishes exactly the same anomalies with three instances', () => {
    expect(finalAnomalies(three.anomalies)).toEqual(finalAnomalies(one.anomalies));
  });

  it('really split the work between the three instances', () => {
    for (const s of three.stages) expect(s.originIds.length).toBeGreaterThan(0);
    expect(three.stages.flatMap((s) => s.originIds).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(three.laneCounts.reduce((a, b) => a + b, 0)).toBe(Topics.flowsBySource.partitions + Topics.flowsByDestination.partitions);
    for (const n of three.laneCounts) expect(n).toBeGreaterThan(0);
    expect(three.stages.map((s) => s.counters.rows).every((n) => n > 0 && n < totalRows)).toBe(true);
  });

  it('matches the brokerless two-stage run of the same input', () => {
    const reference = runScaled(input, { instances: 1, seed: 7, threatIntel: ThreatIntel.bundled() });
    expect(finalAnomalies(one.anomalies)).toEqual(finalAnomalies(reference.anomalies));
  });
});
