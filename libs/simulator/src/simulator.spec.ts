import { createHash } from 'node:crypto';
import { parseFlowLogText } from '@flowguard/flowlog';
import { type FlowSink } from './output/flow-sink';
import { TextFlowEncoder } from './output/text-flow.encoder';
import { V2_FIELDS, V5_FIELDS } from './output/formats';
import { Simulation, SimulationError, type SimulationOptions } from './simulator';

/** Run a simulation into memory: part keys and the concatenated text. */
function render(opts: SimulationOptions): { sim: Simulation; parts: Map<string, Buffer> } {
  const sim = new Simulation(opts);
  const parts = new Map<string, Buffer>();
  let current = '';
  let chunks: Buffer[] = [];
  const enc = new TextFlowEncoder(sim.estate, sim.format, {
    beginPart: (k) => {
      current = k;
      chunks = [];
    },
    write: (b) => chunks.push(Buffer.from(b)),
    endPart: () => parts.set(current, Buffer.concat(chunks)),
  });
  sim.run(enc);
  enc.endPart();
  return { sim, parts };
}

const digest = (parts: Map<string, Buffer>) => {
  const h = createHash('sha256');
  for (const [k, v] of [...parts].sort(([a], [b]) => a.localeCompare(b))) h.update(k).update(v);
  return h.digest('hex');
};

const SMALL: SimulationOptions = {
  seed: 7, records: 20_000, hours: 1, partMinutes: 30,
  estate: { clients: 2000, webServers: 4, appServers: 6, workers: 3, windowsHosts: 2 },
  attacks: ['port-scan:fast-inbound', 'beaconing:fast-nonstandard', 'brute-force:ssh-inbound'],
};

describe('Simulation', () => {
  it('is deterministic: the same seed gives identical bytes, another seed different bytes', () => {
    const a = render(SMALL);
    const b = render(SMALL);
    const c = render({ ...SMALL, seed: 8 });
    expect(digest(a.parts)).toBe(digest(b.parts));
    expect(digest(a.parts)).not.toBe(digest(c.parts));
    expect(a.sim.groundTruth()).toEqual(b.sim.groundTruth());
  });

  it('writes exactly the requested number of records, hourly parts with a header, that the parser reads without errors', () => {
    for (const format of ['v2', 'v5'] as const) {
      const { parts } = render({ ...SMALL, format });
      expect(parts.size).toBe(2);
      let records = 0;
      for (const [key, text] of parts) {
        expect(key).toMatch(/^AWSLogs\/123456789012\/vpcflowlogs\/us-east-1\/2025\/01\/01\/123456789012_vpcflowlogs_us-east-1_fl-0[0-9a-f]{8}_20250101T00[03]0Z_[0-9a-f]{8}\.log$/);
        const firstLine = text.subarray(0, text.indexOf(10)).toString();
        expect(firstLine).toBe((format === 'v5' ? V5_FIELDS : V2_FIELDS).join(' '));
        const parsed = parseFlowLogText(text, { source: key });
        expect(parsed.errors).toEqual([]);
        expect(parsed.counts.headers).toBe(1);
        records += parsed.counts.records;
        if (format === 'v5') expect(parsed.batch.version[0]).toBe(5);
      }
      expect(records).toBe(20_000);
    }
  });

  it('starts every attack after the warm-up, a quarter of the run by default', () => {
    const quarter = new Simulation({ ...SMALL, records: 40_000, hours: 2 });
    expect(Math.min(...quarter.attacks.map((a) => a.startWindow))).toBeGreaterThanOrEqual(30);
    const late = new Simulation({ ...SMALL, records: 40_000, hours: 2, warmupHours: 1.5 });
    expect(Math.min(...late.attacks.map((a) => a.startWindow))).toBeGreaterThanOrEqual(90);
    expect(late.attacks.every((a) => a.startWindow + a.windowCount <= late.windows)).toBe(true);
  });

  it('refuses a record budget smaller than fixed-rate traffic plus attacks, saying what is needed', () => {
    const tooSmall = { ...SMALL, records: 1000 };
    expect(() => new Simulation(tooSmall)).toThrow(SimulationError);
    expect(() => new Simulation(tooSmall)).toThrow(/too small.*need \d+ records/);
    expect(() => new Simulation({ seed: 1, records: 0 })).toThrow(/positive integer/);
  });

  it('keeps benign traffic independent of the attack list (streams are forked per purpose)', () => {
    // The first window holds only benign traffic (attacks start after the warm-up quarter).
    // Its load-driven quota depends on the attack budget, so compare the common prefix.
    const firstWindow = (attacks: string[]) => {
      const sim = new Simulation({ ...SMALL, seed: 3, attacks });
      const rows: string[] = [];
      const sink: FlowSink = {
        flow: (eni, s, d, sp, dp, proto, pk, by, start) => {
          if (start < sim.startTime + 60) rows.push(`${eni} ${s} ${d} ${sp} ${dp} ${proto} ${pk} ${by} ${start}`);
        },
        status: () => undefined,
      };
      sim.run(sink);
      return rows;
    };
    const quiet = firstWindow(['none']);
    const noisy = firstWindow(['ddos:udp-flood', 'exfiltration:burst']);
    const common = Math.min(quiet.length, noisy.length);
    expect(common).toBeGreaterThan(250);
    expect(noisy.slice(0, common)).toEqual(quiet.slice(0, common));
  });
});
