import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { batchFromRecords, recordAt, type FlowRecord } from '../flows/flow-record';
import { encodeFlowBatch } from '../flows/flow-batch.codec';
import type { FlowBatch } from '../flows/flow-batch';
import { Consumers, Topics, allTopics, deadLetterTopic, type TopicDef } from './registry';

const FIXTURES = join(__dirname, '../../fixtures');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

describe('topic registry', () => {
  it('names every topic flowguard.<name>.v<version>, uniquely', () => {
    const names = allTopics().map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const t of allTopics()) expect(t.name).toMatch(new RegExp(`^flowguard\\.[a-z0-9.-]+\\.v${t.version}$`));
  });

  it('gives every consumer group its own dead-letter topic', () => {
    const dlqs = Object.values(Consumers).map((c) => deadLetterTopic(c).name);
    expect(new Set(dlqs).size).toBe(Object.values(Consumers).length);
    expect(deadLetterTopic(Consumers.detect).name).toBe('flowguard.dlq.detect.v1');
  });

  it('rejects a topic whose name does not carry its version', () => {
    // the guard runs at module load for every topic; exercise it through a DLQ of a made-up group
    expect(() => deadLetterTopic('flowguard-Bad Group' as never)).toThrow(/must be flowguard/);
  });
});

describe('golden fixtures (a failing case here means a breaking change: make a .v2 topic instead)', () => {
  const jsonTopics = Object.values(Topics).filter((t) => t.codec.contentType === 'application/json') as TopicDef<object>[];

  it.each([...jsonTopics, deadLetterTopic(Consumers.detect) as TopicDef<object>].map((t) => [t.name, t] as const))(
    '%s: the fixture decodes, validates and re-encodes to the same JSON',
    (_name, topic) => {
      const bytes = fixture(topic.fixture);
      const decoded = topic.codec.decode(bytes);
      if (!decoded.ok) throw new Error(`${topic.fixture}: ${decoded.error}`);
      expect(JSON.parse(topic.codec.encode(decoded.value).toString())).toEqual(JSON.parse(bytes.toString()));
      expect(typeof topic.key(decoded.value)).toBe('string');
    },
  );

  it.each(jsonTopics.map((t) => [t.name, t] as const))('%s: a message missing a required field is rejected with the field named', (_n, topic) => {
    const plain = JSON.parse(fixture(topic.fixture).toString()) as Record<string, unknown>;
    const [firstKey] = Object.keys(plain);
    delete plain[firstKey as string];
    const decoded = topic.codec.decode(Buffer.from(JSON.stringify(plain)));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.reason).toBe('validation_error');
      expect(decoded.error).toContain(firstKey);
    }
  });

  it('rejects non-JSON with decode_error', () => {
    const decoded = Topics.anomalies.codec.decode(Buffer.from('{not json'));
    expect(decoded).toMatchObject({ ok: false, reason: 'decode_error' });
  });

  it('flows.enriched.v1: the binary fixture decodes to the expected records and encoding is byte-stable', () => {
    const expected = JSON.parse(fixture('flows.enriched.v1.expected.json').toString()) as FlowRecord[];
    const golden = Buffer.from(fixture(Topics.flowsEnriched.fixture).toString().trim(), 'base64');
    const decoded = Topics.flowsEnriched.codec.decode(golden);
    if (!decoded.ok) throw new Error(decoded.error);
    const batch: FlowBatch = decoded.value;
    expect(expected.map((_, i) => recordAt(batch, i))).toEqual(expected);
    expect(encodeFlowBatch(batchFromRecords(expected)).equals(golden)).toBe(true);
  });
});

describe('topic names live only in the registry', () => {
  const root = join(__dirname, '../../../..');
  const skip = new Set(['node_modules', 'dist', '.git', '.nx', '.flowguard', 'tmp', 'coverage', 'fixtures', 'bench']);
  function* walk(dir: string): Generator<string> {
    for (const entry of readdirSync(dir)) {
      if (skip.has(entry)) continue;
      const p = join(dir, entry);
      if (statSync(p).isDirectory()) yield* walk(p);
      else if (/\.(ts|js|mjs|cjs)$/.test(entry)) yield p;
    }
  }

  it('no source file outside the registry spells a topic name', () => {
    const pattern = /['"`]flowguard\.(flows|anomalies|classifications|incidents|actions|notifications|findings|dlq)[a-z0-9.-]*\.v\d+['"`]/;
    const offenders: string[] = [];
    for (const dir of ['apps', 'libs', 'scripts']) {
      for (const file of walk(join(root, dir))) {
        const rel = relative(root, file);
        if (rel === 'libs/contracts/src/topics/registry.ts' || rel.endsWith('.spec.ts') || rel.endsWith('.int-spec.ts')) continue;
        if (pattern.test(readFileSync(file, 'utf8'))) offenders.push(rel);
      }
    }
    expect(offenders).toEqual([]);
  });
});
