/**
 * AWS SDK clients for the delivery paths, loaded only when a path is configured
 * (the SDKs cost start-up time the HTTP-only and embedded modes should not pay).
 * A local endpoint (kinesalite, s3rver) gets static dummy credentials unless the
 * environment has real ones; kinesalite needs the HTTP/1 handler.
 */
export interface AwsTarget {
  readonly region: string;
  readonly endpoint?: string;
}

function localCredentials(t: AwsTarget) {
  return t.endpoint && !process.env['AWS_ACCESS_KEY_ID'] ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
}

export async function kinesisClient(t: AwsTarget) {
  const { KinesisClient } = await import('@aws-sdk/client-kinesis');
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  return new KinesisClient({ region: t.region, ...(t.endpoint ? { endpoint: t.endpoint } : {}), requestHandler: new NodeHttpHandler(), ...localCredentials(t) });
}

export async function s3Client(t: AwsTarget) {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({ region: t.region, ...(t.endpoint ? { endpoint: t.endpoint, forcePathStyle: true } : {}), ...localCredentials(t) });
}

export async function sqsClient(t: AwsTarget) {
  const { SQSClient } = await import('@aws-sdk/client-sqs');
  return new SQSClient({ region: t.region, ...(t.endpoint ? { endpoint: t.endpoint } : {}), ...localCredentials(t) });
}
