/** TEST ONLY: clients for the servers the root integration setup starts (scripts/servers). */
import { S3Client } from '@aws-sdk/client-s3';
import { Client } from '@opensearch-project/opensearch';

export function requireEnv(name: 'OPENSEARCH_URL' | 'S3_ENDPOINT'): string {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set: run integration specs with \`npx jest -c jest.integration.config.js libs/flow-storage\`, whose setup starts the servers (docs/servers.md)`);
  }
  return v;
}

export function testS3Client(): S3Client {
  return new S3Client({
    endpoint: requireEnv('S3_ENDPOINT'),
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

export function testOpenSearchClient(url = requireEnv('OPENSEARCH_URL')): Client {
  return new Client({ node: url });
}

/** A name no other run (or helper sharing the server) uses. */
export function uniqueName(base: string): string {
  return `${base}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
