/**
 * Storage throughput and latency: the embedded store (memory only vs with
 * its JSON-lines journal on disk) and, when DYNAMODB_ENDPOINT is set, the
 * DynamoDB adapter against DynamoDB Local (vs unconditional raw PutItem as
 * the baseline measured in the same run).
 *
 *   scripts/run-ts.sh bench/storage/storage.bench.ts [--anomalies 50000] [--incidents 5000] [--dynamo 3000] [--concurrency 16]
 *   DYNAMODB_ENDPOINT=http://127.0.0.1:8000 scripts/run-ts.sh bench/storage/storage.bench.ts
 *
 * Figures are from one run on this machine; DynamoDB Local is a SQLite-backed
 * emulator, so its numbers say nothing about AWS latency, only about overhead
 * of the adapter relative to raw calls.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  createDynamoClients, deleteTables, DynamoAnomalyRepository, DynamoIncidentRepository, ensureTables, tableNames,
} from '@flowguard/dynamodb';
import {
  EmbeddedAnomalyRepository, EmbeddedIncidentRepository, NodeJournalFile, sampleAnomaly, sampleEntry, sampleIncident,
  type AnomalyRepository, type IncidentRepository,
} from '@flowguard/persistence';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N_ANOM = arg('anomalies', 50_000);
const N_INC = arg('incidents', 5_000);
const N_DYNAMO = arg('dynamo', 3_000);
const CONC = arg('concurrency', 16);

const rows: Array<[string, string, string]> = [];
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};
const record = (name: string, value: string, note = '') => {
  rows.push([name, value, note]);
  console.log(`${name.padEnd(58)} ${value.padStart(16)}  ${note}`);
};

/** Runs `n` operations with at most `conc` in flight; returns ops/s. */
async function rate(n: number, conc: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(conc, n) }, async () => {
    while (next < n) await op(next++);
  }));
  return n / ((performance.now() - t0) / 1000);
}

async function latencies(n: number, op: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await op();
    out.push(performance.now() - t0);
  }
  return out;
}

const anomaly = (i: number, version: number) => sampleAnomaly({
  anomalyId: `anom-bench-${String(i).padStart(7, '0')}`,
  detector: ['port-scan', 'brute-force', 'exfiltration', 'c2-beacon'][i % 4] as string,
  actor: `10.0.${(i >> 8) & 255}.${i & 255}`,
  lastSeen: 1_700_000_000 + i + version,
  updatedAt: 1_700_000_000_000 + i * 10 + version,
  occurrences: version,
});

async function anomalyScenario(label: string, repo: AnomalyRepository, n: number, conc: number): Promise<void> {
  record(`${label}: upsert new`, `${fmt(await rate(n, conc, (i) => repo.upsert(anomaly(i, 1))))} ops/s`, `${fmt(n)} anomalies`);
  record(`${label}: upsert newer`, `${fmt(await rate(n, conc, (i) => repo.upsert(anomaly(i, 2))))} ops/s`);
  record(`${label}: upsert stale (redelivery, not applied)`, `${fmt(await rate(n, conc, (i) => repo.upsert(anomaly(i, 1))))} ops/s`);
  const all = await latencies(50, () => repo.list({ limit: 50 }));
  record(`${label}: list all, 50 per page`, `p50 ${pct(all, 50).toFixed(2)} ms`, `p99 ${pct(all, 99).toFixed(2)} ms`);
  const det = await latencies(50, () => repo.list({ detector: 'brute-force', limit: 50 }));
  record(`${label}: list by detector, 50 per page`, `p50 ${pct(det, 50).toFixed(2)} ms`, `p99 ${pct(det, 99).toFixed(2)} ms`);
}

async function incidentScenario(label: string, repo: IncidentRepository, n: number, conc: number): Promise<void> {
  const id = (i: number) => `inc-bench-${String(i).padStart(7, '0')}`;
  record(`${label}: create`, `${fmt(await rate(n, conc, (i) => repo.create(sampleIncident({
    incidentId: id(i), anomalyIds: [`anom-ib-${String(i).padStart(7, '0')}`], createdAt: 1_700_000_000_000 + i, updatedAt: 1_700_000_000_000 + i,
  }))))} ops/s`, `${fmt(n)} incidents`);
  record(`${label}: transition New→Investigating`, `${fmt(await rate(n, conc, (i) =>
    repo.transition(id(i), 'New', 'Investigating', sampleEntry({ at: 1_800_000_000_000 + i, state: 'Investigating' }))))} ops/s`);
  record(`${label}: appendTimeline`, `${fmt(await rate(n, conc, (i) => repo.appendTimeline(id(i), sampleEntry({ at: 1_800_000_000_001 + i }))))} ops/s`);
  const lat = await latencies(50, () => repo.list({ state: 'Investigating', limit: 50 }));
  record(`${label}: list by state, 50 per page`, `p50 ${pct(lat, 50).toFixed(2)} ms`, `p99 ${pct(lat, 99).toFixed(2)} ms`);
}

async function embedded(): Promise<void> {
  await anomalyScenario('embedded memory', await EmbeddedAnomalyRepository.open(), N_ANOM, 1);
  await incidentScenario('embedded memory', await EmbeddedIncidentRepository.open(), N_INC, 1);

  const dir = await mkdtemp(join(tmpdir(), 'fg-bench-'));
  try {
    const file = join(dir, 'anomalies.jsonl');
    const repo = await EmbeddedAnomalyRepository.open({ journal: new NodeJournalFile(file), compactAfter: 10 * N_ANOM });
    await anomalyScenario('embedded journaled', repo, N_ANOM, 1);
    await repo.close();
    const size = (await stat(file)).size;
    const t0 = performance.now();
    const reopened = await EmbeddedAnomalyRepository.open({ journal: new NodeJournalFile(file) });
    record('embedded journaled: reopen (replay journal)', `${fmt(performance.now() - t0)} ms`,
      `${fmt(reopened.stats.replayed)} lines, ${(size / 1048576).toFixed(1)} MiB`);
    const t1 = performance.now();
    await reopened.compact();
    record('embedded journaled: compact', `${fmt(performance.now() - t1)} ms`, `${(((await stat(file)).size) / 1048576).toFixed(1)} MiB after`);
    await reopened.close();
    const inc = await EmbeddedIncidentRepository.open({ journal: new NodeJournalFile(join(dir, 'incidents.jsonl')) });
    await incidentScenario('embedded journaled', inc, N_INC, 1);
    await inc.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function dynamo(endpoint: string): Promise<void> {
  const clients = createDynamoClients({ endpoint });
  const names = tableNames(`bench-${Date.now().toString(36)}-`);
  await ensureTables(clients.client, names);
  try {
    const raw = await rate(N_DYNAMO, CONC, (i) => clients.doc.send(new PutCommand({
      TableName: names.anomalies, Item: { ...anomaly(N_DYNAMO + i, 1), gsiAll: 'A#0', gsiActor: 'x' },
    })));
    record('dynamodb-local baseline: raw PutItem (same table, no condition)', `${fmt(raw)} ops/s`, `concurrency ${CONC}`);
    await anomalyScenario('dynamodb-local', new DynamoAnomalyRepository(clients.doc, { tableName: names.anomalies }), N_DYNAMO, CONC);
    await incidentScenario('dynamodb-local', new DynamoIncidentRepository(clients.doc, { tableName: names.incidents }), Math.min(N_INC, N_DYNAMO), CONC);
  } finally {
    await deleteTables(clients.client, names);
    clients.destroy();
  }
}

async function main(): Promise<void> {
  console.log(`storage bench: node ${process.version}, ${cpus().length} CPU, ${new Date().toISOString()}`);
  await embedded();
  const endpoint = process.env['DYNAMODB_ENDPOINT'];
  if (endpoint) await dynamo(endpoint);
  else console.log('DYNAMODB_ENDPOINT not set: DynamoDB scenarios skipped');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
