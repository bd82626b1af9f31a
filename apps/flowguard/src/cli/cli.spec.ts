import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parquetColumnName } from '@flowguard/flowlog';
import { parseGroundTruth } from '@flowguard/simulator';
import type { CliIo } from './cli-args';
import { runCli } from './cli';

interface Captured extends CliIo {
  out: string;
  err: string;
}

function io(): Captured {
  const c = {
    out: '',
    err: '',
    stdout: { write: (s: string) => ((c.out += s), true) },
    stderr: { write: (s: string) => ((c.err += s), true), isTTY: false },
    now: () => Date.now(),
  };
  return c;
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = io();
  const code = await runCli(argv, c);
  return { code, out: c.out, err: c.err };
}

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'fg-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SIM = ['--records', '30000', '--hours', '1', '--attacks', 'port-scan:fast-inbound,brute-force:ssh-inbound', '--seed', '5'];

describe('flowguard CLI argument validation (exit 2 with a clear message)', () => {
  it.each([
    [[], /Commands:/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['simulate'], /simulate needs --out DIR/],
    [['simulate', '--out', '/tmp/x', '--records', 'many'], /--records must be a whole number between 1 and .*, got "many"/],
    [['simulate', '--out', '/tmp/x', '--records', '0'], /--records must be a whole number/],
    [['simulate', '--out', '/tmp/x', '--format', 'v9'], /--format must be one of v2, v5, got "v9"/],
    [['simulate', '--out', '/tmp/x', '--attacks', 'port-scna'], /unknown attack "port-scna"/],
    [['simulate', '--out', '/tmp/x', '--levels', 'extreme'], /--levels takes high, medium, low/],
    [['simulate', '--out', '/tmp/x', '--records', '100'], /--records 100 is too small/],
    [['simulate', '--out', '/tmp/x', '--bogus'], /Unknown option '--bogus'/],
    [['simulate', '--out', '/tmp/x', '--start', 'yesterday-ish'], /--start must be Unix seconds or an ISO date-time/],
    [['eval'], /eval needs --simulated DIR and\/or --dataset PATH/],
    [['eval', '--dataset', '/nonexistent/x.vpc.log'], /--dataset \/nonexistent\/x.vpc.log does not exist/],
    [['eval', '--simulated', '/tmp'], /has no ground-truth.jsonl/],
    [['eval', '--dataset', 'x', '--match', 'fuzzy'], /--match must be one of actor, entity/],
    [['analyze'], /analyze needs at least one file or folder/],
    [['analyze', '/nonexistent/flows.log'], /no such file or folder: \/nonexistent\/flows.log/],
    [['analyze', '.', '--format', 'csv'], /--format must be one of jsonl, ocsf/],
    [['analyze', '.', '--internal-cidrs', '10.0.0.0'], /"10.0.0.0" is not a CIDR/],
    [['analyze', '.', '--threads', '3'], /--threads must be a whole number between 1 and 2, got "3"/],
  ])('%j', async (argv, message) => {
    const r = await run(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message as RegExp);
    expect(r.out).toBe('');
  });

  it('prints help with exit 0', async () => {
    expect((await run('--help')).code).toBe(0);
    const r = await run('analyze', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('--format jsonl|ocsf');
  });

  it('reports a runtime failure with exit 1', async () => {
    const d = tmp();
    writeFileSync(join(d, 'ground-truth.jsonl'), '{not json\n');
    for (const f of ['manifest.json', 'intel.json', 'benign-entities.txt']) writeFileSync(join(d, f), '{}');
    const r = await run('eval', '--simulated', d);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ground truth line 1: not JSON/);
  });
});

describe('flowguard simulate / analyze / eval on a small generated run', () => {
  const out = tmp();
  let simulated: { code: number; out: string; err: string };

  beforeAll(async () => {
    simulated = await run('simulate', '--out', out, ...SIM);
  });

  it('simulate writes flow logs, ground truth, intel, benign population and a manifest', () => {
    expect(simulated.code).toBe(0);
    expect(simulated.out).toMatch(/wrote 30000 records \(v2\) in 1 file\(s\)/);
    expect(simulated.out).toMatch(/records\/s/);
    expect(readdirSync(out).sort()).toEqual(['AWSLogs', 'benign-entities.txt', 'ground-truth.jsonl', 'intel.json', 'ip-ranges.json', 'manifest.json']);
    const truth = parseGroundTruth(readFileSync(join(out, 'ground-truth.jsonl'), 'utf8'));
    expect(truth.filter((e) => e.kind === 'attack').map((e) => e.detector)).toEqual(['port-scan', 'brute-force']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ records: 30000, format: 'v2', seed: '5' });
  });

  it('refuses to overwrite without --force, and --force reproduces the same bytes', async () => {
    const again = await run('simulate', '--out', out, ...SIM);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/is not empty; use --force/);
    const part = (manifestDir: string) => {
      const m = JSON.parse(readFileSync(join(manifestDir, 'manifest.json'), 'utf8')) as { parts: string[] };
      return readFileSync(join(manifestDir, m.parts[0] as string));
    };
    const before = part(out);
    expect((await run('simulate', '--out', out, ...SIM, '--force')).code).toBe(0);
    expect(part(out).equals(before)).toBe(true);
  });

  it('analyze prints one JSON finding per line with the documented fields, and a summary on stderr', async () => {
    const r = await run('analyze', join(out, 'AWSLogs'), '--threads', '1');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/analyzed 1 file\(s\): 30,000 records/);
    expect(r.err).toMatch(/records\/s \(1 thread\)/);
    expect(r.err).toMatch(/parse errors: 0/);
    // a short run says why unusual-port is silent instead of implying nothing was unusual
    expect(r.err).toMatch(/note: unusual-port learns each workload for 7 days before it reports; this input spans \d+\.\d h of flow time/);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    for (const f of lines) {
      expect(f).toEqual(expect.objectContaining({
        detector: expect.any(String), severity: expect.stringMatching(/^(info|low|medium|high|critical)$/),
        confidence: expect.any(Number), targets: expect.any(Array), ports: expect.any(Array), start: expect.any(Number),
        end: expect.any(Number), mitre: expect.any(Array), evidence: expect.any(Array), summary: expect.any(String),
      }));
      expect(f['actor'] === null || typeof f['actor'] === 'string').toBe(true);
      expect(f['end'] as number).toBeGreaterThanOrEqual(f['start'] as number);
      expect(f['start'] as number).toBeLessThan(1e11); // Unix seconds, not ms
    }
    expect(lines.some((f) => f['detector'] === 'port-scan')).toBe(true);
    // two detection worker threads (source- and destination-keyed lanes): the same bytes
    const threaded = await run('analyze', join(out, 'AWSLogs'), '--threads', '2');
    expect(threaded.code).toBe(0);
    expect(threaded.err).toMatch(/records\/s \(2 detection threads\)/);
    expect(threaded.out).toBe(r.out);
  }, 120_000);

  it('analyze --format ocsf emits Detection Finding objects', async () => {
    const file = join(tmp(), 'findings.ocsf.jsonl');
    const r = await run('analyze', out, '--format', 'ocsf', '--out', file, '--threads', '1');
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    const first = JSON.parse(readFileSync(file, 'utf8').split('\n')[0] as string);
    expect(first).toMatchObject({
      class_uid: 2004, category_uid: 2, activity_id: 1, type_uid: 200401, severity_id: expect.any(Number),
      metadata: { version: '1.3.0', product: { name: 'Flowguard' } },
      finding_info: { uid: expect.any(String), analytic: { type_id: 1 }, first_seen_time: expect.any(Number) },
    });
    expect(first.finding_info.first_seen_time).toBeGreaterThan(1e12); // OCSF times are ms
  });

  it('analyze counts bad lines as parse errors instead of failing', async () => {
    const d = tmp();
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { parts: string[] };
    const good = readFileSync(join(out, m.parts[0] as string), 'utf8').split('\n').slice(0, 200).join('\n');
    writeFileSync(join(d, 'mixed.log'), `${good}\nthis is not a flow record\n2 123 eni-1 1.2.3.4 5.6.7.8 x 80 6 1 40 1 2 ACCEPT OK\n`);
    // a gzip stream cut off after its first bytes: an io_error for that file, not a crash
    writeFileSync(join(d, 'broken.log.gz'), gzipSync(Buffer.from(good)).subarray(0, 24));
    const r = await run('analyze', d, '--threads', '1');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/199 records/);
    expect(r.err).toMatch(/parse errors: 3 \(.*io_error 1/);
    expect(r.err).toMatch(/broken\.log\.gz:0 io_error/);
    expect(r.err).toMatch(/mixed\.log:201 \w+/);
    expect(r.err).toMatch(/mixed\.log:202 bad_number: srcport/);
  });

  it('analyze reads Parquet flow logs (AWS layout) like text', async () => {
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { parts: string[] };
    const [header, ...rows] = readFileSync(join(out, m.parts[0] as string), 'utf8').split('\n').filter(Boolean).slice(0, 301);
    const fields = (header as string).split(' ');
    const cells = rows.map((l) => l.split(' '));
    const ints = new Set(['version', 'srcport', 'dstport', 'protocol']);
    const longs = new Set(['packets', 'bytes', 'start', 'end']);
    const parquet = parquetWriteBuffer({
      codec: 'GZIP',
      compressors: { GZIP: (b: Uint8Array) => new Uint8Array(gzipSync(b)) },
      columnData: fields.map((name, k) => {
        const raw = cells.map((c) => (c[k] === '-' ? null : (c[k] as string)));
        if (ints.has(name)) return { name: parquetColumnName(name), type: 'INT32' as const, data: raw.map((v) => (v === null ? null : Number(v))) };
        if (longs.has(name)) return { name: parquetColumnName(name), type: 'INT64' as const, data: raw.map((v) => (v === null ? null : BigInt(v))) };
        return { name: parquetColumnName(name), type: 'STRING' as const, data: raw };
      }),
    });
    const d = tmp();
    writeFileSync(join(d, 'flows.parquet'), new Uint8Array(parquet));
    writeFileSync(join(d, 'broken.parquet'), 'PAR1 but not really');
    const r = await run('analyze', d, '--threads', '1');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/analyzed 2 file\(s\): 300 records/);
    expect(r.err).toMatch(/parse errors: 1 /);
  });

  it('eval --simulated scores the run and prints the table', async () => {
    const r = await run('eval', '--simulated', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/simulated .*: 30000 records \(0 parse errors\)/);
    expect(r.out).toMatch(/^port-scan\s+1\s/m);
    expect(r.out).toMatch(/^brute-force\s+1\s/m);
    expect(r.out).toMatch(/^all\s+2\s/m);
  });
});
