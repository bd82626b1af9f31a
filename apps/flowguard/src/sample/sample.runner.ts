import type { INestApplication } from '@nestjs/common';
import type { Incident } from '@flowguard/contracts';
import type { IncidentRepository } from '@flowguard/persistence';
import { IngestService, type IngestResult } from '@flowguard/service-ingest';
import { INCIDENT_REPOSITORY } from '@flowguard/service-kit';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DATASETS_DIR } from '../all-in-one';
import { generateScanSample } from './scan-sample.generator';

export const PORTSCAN_DATASET = join(DATASETS_DIR, 'cic-portscan.vpc.log');

export type SampleChoice = { kind: 'none' } | { kind: 'generated' } | { kind: 'file'; path: string };

/**
 * FLOWGUARD_SAMPLE: `auto` (default: the CIC port-scan dataset when the shared
 * datasets folder exists, else generated scan traffic), `generated`, `dataset`,
 * `none`, or a path to a flow-log file.
 */
export function chooseSample(setting: string | undefined): SampleChoice {
  const s = (setting ?? 'auto').trim();
  if (s === 'none') return { kind: 'none' };
  if (s === 'generated') return { kind: 'generated' };
  if (s === 'auto') return existsSync(PORTSCAN_DATASET) ? { kind: 'file', path: PORTSCAN_DATASET } : { kind: 'generated' };
  if (s === 'dataset') {
    if (!existsSync(PORTSCAN_DATASET)) throw new Error(`FLOWGUARD_SAMPLE=dataset but ${PORTSCAN_DATASET} does not exist`);
    return { kind: 'file', path: PORTSCAN_DATASET };
  }
  return { kind: 'file', path: resolve(s) };
}

export interface SampleOutcome {
  readonly source: string;
  readonly ingest: IngestResult;
  /** incidents present once the pipeline settled (or the wait ran out) */
  readonly incidents: Incident[];
}

/**
 * Feed the sample through the ingest service (the same path as `POST /v1/flows`)
 * and wait until incidents stop changing: detection closes windows on idle,
 * then classification and orchestration follow over the bus.
 */
export async function analyseSample(app: INestApplication, choice: SampleChoice, settleMs = 15_000): Promise<SampleOutcome | null> {
  if (choice.kind === 'none') return null;
  const ingest = app.get(IngestService);
  const requestId = 'sample';
  const result = choice.kind === 'generated'
    ? await ingest.ingestText(generateScanSample(), { requestId })
    : await ingest.ingestFile(choice.path, { requestId });
  const incidents = app.get<IncidentRepository>(INCIDENT_REPOSITORY);
  const deadline = Date.now() + settleMs;
  let last = -1;
  let stableSince = Date.now();
  let items: Incident[] = [];
  while (Date.now() < deadline) {
    items = (await incidents.list({ limit: 100 })).items;
    if (items.length !== last) {
      last = items.length;
      stableSince = Date.now();
    } else if (items.length > 0 && Date.now() - stableSince > 1500) {
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { source: choice.kind === 'generated' ? 'generated scan traffic' : choice.path, ingest: result, incidents: items };
}
