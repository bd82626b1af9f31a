import type { FlowSink } from '../output/flow-sink';
import { Simulation, type SimulationOptions } from '../simulator';
import { releaseTime, scaleOutTime } from './benign.generator';

const DAY = 86400;
const SUNDAY = Date.UTC(2025, 0, 5) / 1000; // 2025-01-05 was a Sunday

/** small estate, no attacks: only the benign generator speaks */
const QUIET: SimulationOptions = {
  seed: 5, records: 1, startTime: SUNDAY, attacks: ['none'],
  estate: { clients: 500, webServers: 2, appServers: 2, workers: 2, windowsHosts: 1 },
};

/** the records a run of `hours` needs at least (the error names the figure) */
function minimum(opts: SimulationOptions): number {
  try {
    new Simulation(opts);
  } catch (e) {
    const need = /need (\d+) records/.exec(String(e));
    if (need) return Number(need[1]);
    throw e;
  }
  return opts.records;
}

/** every flow row as (eni, src, dst, dport, start), and the NODATA rows' (eni, start) */
function rows(opts: SimulationOptions) {
  const sim = new Simulation(opts);
  const flows: { eni: number; src: number; dst: number; dport: number; start: number }[] = [];
  const status: { eni: number; start: number }[] = [];
  const sink: FlowSink = {
    flow: (eni, src, dst, _sp, dport, _proto, _pk, _by, start) => flows.push({ eni, src, dst, dport, start }),
    status: (eni, start) => status.push({ eni, start }),
  };
  sim.run(sink);
  return { sim, flows, status };
}

describe('benign traffic over days (ADR 0027)', () => {
  it('releases at 09:00 and scales out at 12:00 UTC of the last day of runs longer than a day, never in a day or less', () => {
    const t = SUNDAY;
    expect(scaleOutTime(t, 24 * 60)).toBe(Infinity);
    expect(scaleOutTime(t, 36 * 60)).toBe(Infinity); // ends at noon of its last day
    expect(scaleOutTime(t, 37 * 60)).toBe(t + DAY + 12 * 3600);
    expect(scaleOutTime(t, 192 * 60)).toBe(t + 7 * DAY + 12 * 3600);
    expect(releaseTime(t, 192 * 60)).toBe(t + 7 * DAY + 9 * 3600);
    expect(releaseTime(t, 24 * 60)).toBe(Infinity);
  });

  it('gives the spare ENIs a web server and a tracing collector on the last day (they stop reporting NODATA) and runs the rsync job on Sunday only', () => {
    const need = minimum({ ...QUIET, hours: 37 });
    const { sim, flows, status } = rows({ ...QUIET, hours: 37, records: need + 20_000 });
    const spare = sim.estate.role('idle')[0]!;
    const at = SUNDAY + DAY + 12 * 3600;
    const spareRows = flows.filter((f) => f.src === spare.addr || f.dst === spare.addr);
    expect(spareRows.length).toBeGreaterThan(100);
    expect(Math.min(...spareRows.map((f) => f.start))).toBeGreaterThanOrEqual(at);
    // health checks from the load balancer nodes and the monitoring agent's posts
    expect(spareRows.some((f) => f.dport === 8080)).toBe(true);
    expect(spareRows.some((f) => f.src === spare.addr && f.dport === 443)).toBe(true);
    const nodata = status.filter((s) => s.eni === spare.eni).map((s) => s.start);
    expect(Math.max(...nodata)).toBeLessThan(at);
    // the release at 09:00 of the last day: every app server connects to the collector on OTLP 4317
    const collector = sim.estate.role('idle')[1]!;
    const otlp = flows.filter((f) => f.dport === 4317 && f.dst === collector.addr);
    expect(new Set(otlp.map((f) => f.src))).toEqual(new Set(sim.estate.role('app').map((h) => h.addr)));
    expect(Math.min(...otlp.map((f) => f.start))).toBe(SUNDAY + DAY + 9 * 3600);
    expect(Math.max(...status.filter((s) => s.eni === collector.eni).map((s) => s.start))).toBeLessThan(SUNDAY + DAY + 9 * 3600);
    // (internet probes knock on random ports, 873 included: only the workers' own requests count)
    const workers = new Set(sim.estate.role('worker').map((h) => h.addr));
    const rsync = flows.filter((f) => f.dport === 873 && workers.has(f.src));
    expect(new Set(rsync.map((f) => f.src))).toEqual(workers);
    expect(rsync.every((f) => f.start >= SUNDAY + 4 * 3600 && f.start < SUNDAY + 4 * 3600 + 600)).toBe(true);
  });
});
