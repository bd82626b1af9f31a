/**
 * Detection micro-benchmark: records/s of the whole engine and of each
 * detector alone, on synthetic time-ordered VPC traffic built straight into a
 * FlowBatch (no parsing). Each run feeds the traffic twice and times the
 * second pass (steady state: tables sized, windows recycled). Baseline in the
 * same run: the engine with every detector disabled (prepare + watermark only).
 *
 *   node --expose-gc -r ts-node/register -r tsconfig-paths/register bench/detection/detection.bench.ts [rows] [batch] [records/s] [uniform|probes]
 *   (TS_NODE_PROJECT=tsconfig.runtime.json; scripts/run-ts.sh works too, without the forced GC between runs)
 */
import { seededRandom as rng } from '@flowguard/util';
import { Action, FlowBatch, LogStatus } from '@flowguard/contracts';
import { DETECTOR_IDS, DetectionEngine, defaultDetectionConfig, type DetectionConfig, type DetectorId } from '@flowguard/detection';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const BATCH = Number(process.argv[3] ?? 8192);
/** records per second of event time: a mid-size VPC */
const RATE = Number(process.argv[4] ?? 2000);
const UNIFORM = process.argv[5] === 'uniform';
/** `probes` as 5th argument: a quarter of the connections are single-packet rejected probes to random ports (scan-heavy traffic: the fan-out tiers' worst case) */
const PROBES = process.argv[5] === 'probes';


/**
 * Background: 2,000 workloads, each with its own 16 usual peers (drawn from
 * 5,000 internet services and 200 internal ones) used with a skewed
 * popularity, answers included, RATE records per second. Real estates have this
 * locality; `uniform` as 5th argument picks any peer for any connection instead
 * (the worst case for state size).
 */
function build(rows: number): FlowBatch[] {
  const r = rng(42);
  const all = new FlowBatch(rows);
  const s = all.strings;
  const internal = Array.from({ length: 2000 }, (_, i) => s.intern(`10.${(i >> 8) & 255}.${i & 255}.${1 + (i % 200)}`));
  const servers = Array.from({ length: 200 }, (_, i) => s.intern(`10.200.${i >> 8}.${i & 255}`));
  const external = Array.from({ length: 5000 }, (_, i) => s.intern(`${20 + (i % 180)}.${(i * 7) & 255}.${(i * 13) & 255}.${1 + (i % 250)}`));
  const enis = internal.map((_, i) => s.intern(`eni-${i.toString(16).padStart(17, '0')}`));
  const account = s.intern('123456789012');
  const t0 = 1_700_000_000;
  let i = 0;
  const usual = internal.map(() =>
    Array.from({ length: 16 }, (_, k) => (k < 3 ? { ip: servers[Math.floor(r() * servers.length)] as number, server: true } : { ip: external[Math.floor(r() * external.length)] as number, server: false })),
  );
  while (i < rows) {
    const h = Math.floor(r() * internal.length);
    let peer: number;
    let toServer: boolean;
    if (UNIFORM) {
      toServer = r() < 0.2;
      peer = toServer ? (servers[Math.floor(r() * servers.length)] as number) : (external[Math.floor(r() * external.length)] as number);
    } else {
      // skewed popularity: the first peers of a host carry most of its connections
      const pick = (usual[h] as { ip: number; server: boolean }[])[Math.min(15, Math.floor(-Math.log(1 - r()) * 4))] as { ip: number; server: boolean };
      peer = pick.ip;
      toServer = pick.server;
    }
    if (PROBES && r() < 0.25) {
      const t = t0 + Math.floor(i / RATE);
      all.srcAddr[i] = external[Math.floor(r() * 200)] as number;
      all.dstAddr[i] = internal[h] as number;
      all.srcPort[i] = 40000 + Math.floor(r() * 20000);
      all.dstPort[i] = 1 + Math.floor(r() * 30000);
      all.protocol[i] = 6;
      all.packets[i] = 1;
      all.bytes[i] = 44;
      all.start[i] = t;
      all.end[i] = t;
      all.action[i] = Action.REJECT;
      all.logStatus[i] = LogStatus.OK;
      all.tcpFlags[i] = -1;
      all.trafficPath[i] = -1;
      all.version[i] = 2;
      all.interfaceId[i] = enis[h] as number;
      all.accountId[i] = account;
      i++;
      continue;
    }
    const dport = toServer ? [5432, 6379, 8080, 443][Math.floor(r() * 4)] as number : [443, 443, 443, 80, 53][Math.floor(r() * 5)] as number;
    const sport = 32768 + Math.floor(r() * 28000);
    const t = t0 + Math.floor(i / RATE);
    const pk = 3 + Math.floor(r() * 30);
    for (let dir = 0; dir < 2 && i < rows; dir++, i++) {
      all.srcAddr[i] = dir === 0 ? (internal[h] as number) : peer;
      all.dstAddr[i] = dir === 0 ? peer : (internal[h] as number);
      all.srcPort[i] = dir === 0 ? sport : dport;
      all.dstPort[i] = dir === 0 ? dport : sport;
      all.protocol[i] = dport === 53 ? 17 : 6;
      all.packets[i] = pk;
      all.bytes[i] = pk * (dir === 0 ? 80 : 900);
      all.start[i] = t;
      all.end[i] = t + Math.floor(r() * 50);
      all.action[i] = Action.ACCEPT;
      all.logStatus[i] = LogStatus.OK;
      all.tcpFlags[i] = -1;
      all.trafficPath[i] = -1;
      all.version[i] = 2;
      all.interfaceId[i] = enis[h] as number;
      all.accountId[i] = account;
    }
  }
  all.length = rows;
  const out: FlowBatch[] = [];
  for (let from = 0; from < rows; from += BATCH) {
    const n = Math.min(BATCH, rows - from);
    out.push(all.select(Int32Array.from({ length: n }, (_, k) => from + k)));
  }
  return out;
}

/** The same traffic again, `offset` seconds later (a second pass measures steady state: tables already sized). */
function shifted(batches: FlowBatch[], offset: number): FlowBatch[] {
  return batches.map((b) => {
    const c = b.select(Int32Array.from({ length: b.length }, (_, k) => k));
    for (let i = 0; i < c.length; i++) {
      c.start[i] = (c.start[i] as number) + offset;
      c.end[i] = (c.end[i] as number) + offset;
    }
    return c;
  });
}

function run(label: string, cfg: DetectionConfig, passes: [FlowBatch[], FlowBatch[]]): void {
  const engine = new DetectionEngine(cfg);
  // pass 1 fills the engine's tables and windows; pass 2 (timed) is steady-state work
  for (const b of passes[0]) engine.process(b);
  // collect setup garbage first so it is not billed to the detectors (run with node --expose-gc)
  (globalThis as { gc?: () => void }).gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t = process.hrtime.bigint();
  let findings = 0;
  for (const b of passes[1]) findings += engine.process(b).length;
  findings += engine.flush().length;
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  // CPU time of this process: less sensitive than wall time to other processes on a shared machine
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const heap = (process.memoryUsage().heapUsed - heap0) / 1e6;
  const st = engine.stats();
  console.log(
    `${label.padEnd(18)} ${String(Math.round(ROWS / (ms / 1000))).padStart(10)} rec/s wall ${String(Math.round(ROWS / (cpuMs / 1000))).padStart(10)} rec/s cpu` +
      `  ${ms.toFixed(0).padStart(6)} ms  findings ${String(findings).padStart(4)}  heap +${heap.toFixed(0)} MB  late ${st.lateDrops}`,
  );
}

function only(ids: DetectorId[] | null): DetectionConfig {
  const c = defaultDetectionConfig();
  for (const id of DETECTOR_IDS) c.detectors[id].enabled = ids === null ? true : ids.includes(id);
  return c;
}

const first = build(ROWS);
const span = Math.ceil(ROWS / RATE) + 60;
const batches: [FlowBatch[], FlowBatch[]] = [first, shifted(first, span)];
console.log(`detection bench: ${ROWS} rows in batches of ${BATCH}, ${RATE} records per second of event time, ${UNIFORM ? 'uniform' : 'skewed'} peers${PROBES ? ', 25% probes' : ''}, node ${process.version}`);
run('baseline: none', only([]), batches);
for (const id of DETECTOR_IDS) run(id, only([id]), batches);
run('all detectors', only(null), batches);
