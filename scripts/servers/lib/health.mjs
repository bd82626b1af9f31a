// Readiness probes. Each one asks the server a real question through its own protocol
// (an open port alone proves nothing: the JVM servers open ports long before they can serve).
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO_ROOT } from './paths.mjs';

const requireFromRepo = createRequire(path.join(REPO_ROOT, 'package.json'));

/** Minimal HTTP request; resolves { status, body } or rejects on network error/timeout. */
export function httpRequest(url, { method = 'GET', headers = {}, body, timeoutMs = 2000 } = {}) {
  return new Promise((resolve, reject) => {
    // agent: false — Node 20's keep-alive global agent would hold the caller's process open
    const req = http.request(url, { method, headers, timeout: timeoutMs, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

// The local AWS servers do not verify signatures, but they do require a well-formed SigV4
// Authorization header (naming an alphanumeric key id for DynamoDB Local 2.x) and, for
// kinesalite, an X-Amz-Date header.
function fakeSigV4(service) {
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  return {
    Authorization: `AWS4-HMAC-SHA256 Credential=flowguardlocal/${amzDate.slice(0, 8)}/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`,
    'X-Amz-Date': amzDate,
  };
}

async function awsJson(url, target, service, jsonVersion) {
  const res = await httpRequest(url, {
    method: 'POST',
    headers: { 'Content-Type': `application/x-amz-json-${jsonVersion}`, 'X-Amz-Target': target, ...fakeSigV4(service) },
    body: '{}',
  });
  if (res.status !== 200) throw new Error(`${target} answered HTTP ${res.status}: ${res.body.slice(0, 200)}`);
  return JSON.parse(res.body);
}

export async function dynamodbReady(endpoint) {
  const out = await awsJson(endpoint, 'DynamoDB_20120810.ListTables', 'dynamodb', '1.0');
  if (!Array.isArray(out.TableNames)) throw new Error('ListTables answered without TableNames');
}

export async function kinesisReady(endpoint) {
  const out = await awsJson(endpoint, 'Kinesis_20131202.ListStreams', 'kinesis', '1.1');
  if (!Array.isArray(out.StreamNames)) throw new Error('ListStreams answered without StreamNames');
}

export async function s3Ready(endpoint) {
  const res = await httpRequest(`${endpoint}/`);
  if (res.status !== 200 || !res.body.includes('ListAllMyBucketsResult')) {
    throw new Error(`ListBuckets answered HTTP ${res.status}`);
  }
}

export async function ec2Ready(endpoint) {
  const res = await httpRequest(`${endpoint}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...fakeSigV4('ec2') },
    body: 'Action=DescribeRegions&Version=2016-11-15',
  });
  if (res.status !== 200 || !res.body.includes('DescribeRegionsResponse')) {
    throw new Error(`DescribeRegions answered HTTP ${res.status}`);
  }
}

export async function opensearchReady(url) {
  // yellow is "all primaries assigned", the most a single node can promise for replicated indices
  const res = await httpRequest(`${url}/_cluster/health?wait_for_status=yellow&timeout=2s`, { timeoutMs: 4000 });
  if (res.status !== 200) throw new Error(`_cluster/health answered HTTP ${res.status}`);
  const health = JSON.parse(res.body);
  if (health.status !== 'green' && health.status !== 'yellow') throw new Error(`cluster status ${health.status}`);
}

/**
 * Kafka is ready when it serves metadata AND its group and transaction coordinators are loaded.
 * The coordinators' internal topics are created on first use; doing that here means the first
 * consumer group or transactional producer of a test does not spend seconds on
 * "coordinator is loading" retries.
 */
export async function kafkaReady(brokers) {
  const { Kafka, logLevel } = requireFromRepo('kafkajs');
  const kafka = new Kafka({
    clientId: 'flowguard-servers-health',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.listTopics();
    const { groups } = await admin.describeGroups(['__flowguard_health']);
    if (!groups[0] || groups[0].errorCode !== 0) throw new Error('group coordinator not ready');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  // kafkajs refuses an idempotent producer without retries
  const producer = kafka.producer({ transactionalId: '__flowguard_health', idempotent: true, maxInFlightRequests: 1, retry: { retries: 1, initialRetryTime: 100 } });
  try {
    await producer.connect(); // InitProducerId: needs the transaction coordinator
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}
