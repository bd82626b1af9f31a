/**
 * The walking-skeleton scenario, shared by the embedded spec and the Kafka +
 * DynamoDB integration spec: post flow logs to ingest, and prove through the
 * API (REST and WebSocket) that a port-scan incident came out the other end
 * with the expected content.
 */
import type { Incident, IncidentEventV1 } from '@flowguard/contracts';
import type { Page } from '@flowguard/persistence';
import type { IngestResult } from '@flowguard/service-ingest';
import { WebSocket } from 'ws';

export interface StreamClient {
  /** every incident event received so far */
  readonly events: IncidentEventV1[];
  /** resolves with the first (already received or future) event matching `pred` */
  waitFor(pred: (e: IncidentEventV1) => boolean, timeoutMs: number, what: string): Promise<IncidentEventV1>;
  close(): void;
}

/** Connect to `/v1/stream` and resolve once the server said hello. */
export function connectStream(apiUrl: string, token?: string): Promise<StreamClient> {
  const url = `${apiUrl.replace(/^http/, 'ws')}/v1/stream`;
  const ws = token ? new WebSocket(url, [`bearer.${token}`]) : new WebSocket(url);
  const events: IncidentEventV1[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { type: string; event?: IncidentEventV1 };
    if (msg.type === 'incident' && msg.event) events.push(msg.event);
    for (const w of waiters.splice(0)) w();
  });
  const client: StreamClient = {
    events,
    waitFor: (pred, timeoutMs, what) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} on the WebSocket within ${timeoutMs} ms (got ${events.length} events)`)), timeoutMs);
        const check = () => {
          const hit = events.find(pred);
          if (hit) {
            clearTimeout(timer);
            resolve(hit);
          } else {
            waiters.push(check);
          }
        };
        check();
      }),
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('message', () => resolve(client)); // the hello
  });
}

export async function postFlows(ingestUrl: string, text: string, requestId?: string): Promise<IngestResult> {
  const res = await fetch(`${ingestUrl}/v1/flows`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', ...(requestId ? { 'x-request-id': requestId } : {}) },
    body: text,
  });
  if (res.status !== 200) throw new Error(`POST /v1/flows answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as IngestResult;
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Poll `fn` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

export const isPortScanOf = (actor: string, target: string) => (e: IncidentEventV1): boolean =>
  e.classification?.anomaly.detector === 'port-scan' && e.actor === actor && e.targets.includes(target);

/** The port-scan incident of actor → target as the REST API lists it. */
export async function findPortScanIncident(apiUrl: string, actor: string, target: string, timeoutMs: number): Promise<Incident> {
  return eventually(async () => {
    const page = await getJson<Page<Incident>>(`${apiUrl}/v1/incidents?limit=200`);
    return page.items.find((i) => i.detector === 'port-scan' && i.actor === actor && i.targets.includes(target));
  }, timeoutMs, `a port-scan incident ${actor} → ${target} in GET /v1/incidents`);
}
