/**
 * One detect service instance as its own process (the Nest module over KafkaBus,
 * embedded in-memory store), driven by detect-service.bench.ts over IPC:
 * it reports its assignments and row counts every 200 ms, and on "stop" shuts
 * down (the lanes flush), reports its peak RSS and exits.
 */
import { Consumers, Topics } from '@flowguard/contracts';
import type { KafkaBus } from '@flowguard/kafka';
import { BUS, createServiceApp, listenServiceApp } from '@flowguard/service-kit';
import { DETECT_LANES, DETECT_REPARTITION, DetectServiceModule, type DetectLanes, type RepartitionStage } from '@flowguard/service-detect';
import { Writable } from 'node:stream';
import { peakRss } from './bench-util';

export interface WorkerState {
  readonly type: 'state';
  readonly assigned: { enriched: number[]; src: number[]; dst: number[] };
  /** rows taken in by this instance's repartition stage */
  readonly split: number;
  /** rows in this instance's lanes: analysed or held for slower origins */
  readonly inLanes: number;
}
export interface WorkerDone {
  readonly type: 'done';
  readonly peakRss: number;
  readonly lateDrops: number;
}

async function main(): Promise<void> {
  const env = {
    ...process.env, FLOWGUARD_BUS: 'kafka', FLOWGUARD_STORE: 'embedded', PORT: '0', HOST: '127.0.0.1',
    METRICS_DEFAULT: 'false', LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'silent',
  };
  const s = await createServiceApp({
    service: 'detect', modules: [DetectServiceModule.register(env)], store: DetectServiceModule.usesStore, env,
    logDestination: env.LOG_LEVEL === 'silent' ? new Writable({ write: (_c, _e, cb) => cb() }) : process.stdout, shutdownHooks: false,
  });
  await listenServiceApp(s);
  const bus = s.app.get<KafkaBus>(BUS);
  const stage = s.app.get<RepartitionStage>(DETECT_REPARTITION);
  const lanes = s.app.get<DetectLanes>(DETECT_LANES);
  const report = () => {
    const state: WorkerState = {
      type: 'state',
      assigned: {
        enriched: bus.assignments(Consumers.detectRepartition, Topics.flowsEnriched).flat(),
        src: bus.assignments(Consumers.detect, Topics.flowsBySource).flat(),
        dst: bus.assignments(Consumers.detect, Topics.flowsByDestination).flat(),
      },
      split: stage.counters.rows,
      inLanes: lanes.stats().reduce((n, l) => n + l.engine.records + l.buffered, 0),
    };
    process.send?.(state);
  };
  const timer = setInterval(report, 200);
  process.on('message', (m) => {
    if (m !== 'stop') return;
    clearInterval(timer);
    void (async () => {
      await s.app.close(); // stops consumers stage by stage; the lanes flush
      const lateDrops = lanes.stats().reduce((n, l) => n + l.engine.lateDrops, 0);
      const done: WorkerDone = { type: 'done', peakRss: peakRss(), lateDrops };
      process.send?.(done, () => process.exit(0));
    })();
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
