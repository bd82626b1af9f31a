// Smoke test of the local servers: each one answers its real client the way the adapters
// will use it. Runs under jest.integration.config.js, whose global setup starts the servers
// and exports the endpoint env vars read here.
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { CreateStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeInstancesCommand, DescribeNetworkInterfacesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const credentials = { accessKeyId: 'flowguardlocal', secretAccessKey: 'flowguardlocal' };
const region = 'us-east-1';
const suffix = randomUUID().slice(0, 8);

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through jest.integration.config.js (its global setup exports it)`);
  return value;
}

// FLOWGUARD_SERVERS=kafka,s3 starts only those servers: the other checks are skipped, visibly
const only = (process.env.FLOWGUARD_SERVERS ?? '').split(',').map((n) => n.trim()).filter(Boolean);
const on = (server: string): jest.It => (only.length === 0 || only.includes(server) ? it : it.skip);

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('local servers', () => {
  // SDK clients hold keep-alive sockets: destroy them even when a test fails
  const clients: { destroy(): void }[] = [];
  const track = <T extends { destroy(): void }>(client: T): T => {
    clients.push(client);
    return client;
  };
  afterAll(() => clients.forEach((c) => c.destroy()));

  on('kafka')('kafka: creates and lists a topic, then produces and consumes a message', async () => {
    const kafka = new Kafka({
      clientId: 'servers-smoke',
      brokers: env('KAFKA_BROKERS').split(','),
      logLevel: logLevel.WARN,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    const topic = `servers-smoke-${suffix}`;
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId: `servers-smoke-${suffix}`, retry: { retries: 2 } });
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(true);
      expect(await admin.listTopics()).toContain(topic);

      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'k1', value: 'hello flowguard' }] });

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve(`${message.key?.toString()}=${message.value?.toString()}`) });
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
      });
      await expect(Promise.race([received, timeout]).finally(() => clearTimeout(timer))).resolves.toBe('k1=hello flowguard');
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  on('dynamodb')('dynamodb: CreateTable, UpdateTimeToLive and TransactWriteItems', async () => {
    const ddb = track(new DynamoDBClient({ endpoint: env('DYNAMODB_ENDPOINT'), region, credentials }));
    const TableName = `servers-smoke-${suffix}`;
    await ddb.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await ddb.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');

    await ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName, Item: { pk: { S: 'a' }, n: { N: '1' } }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName, Item: { pk: { S: 'b' }, n: { N: '2' } } } },
        ],
      }),
    );
    // a failing condition cancels the whole transaction: 'c' must not be written
    await expect(
      ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName, Item: { pk: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName, Item: { pk: { S: 'c' } } } },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    expect((await ddb.send(new GetItemCommand({ TableName, Key: { pk: { S: 'b' } } }))).Item?.n?.N).toBe('2');
    expect((await ddb.send(new GetItemCommand({ TableName, Key: { pk: { S: 'c' } } }))).Item).toBeUndefined();
  });

  on('opensearch')('opensearch: cluster health and indexing a document', async () => {
    const client = new OpenSearchClient({ node: env('OPENSEARCH_URL') });
    const index = `servers-smoke-${suffix}`;
    try {
      const health = await client.cluster.health({});
      expect(['green', 'yellow']).toContain(health.body.status);
      await client.indices.create({ index, body: { mappings: { properties: { srcaddr: { type: 'ip' }, action: { type: 'keyword' } } } } });
      await client.index({ index, id: '1', body: { srcaddr: '10.0.0.1', action: 'ACCEPT' }, refresh: true });
      const found = await client.search({ index, body: { query: { bool: { filter: [{ term: { action: 'ACCEPT' } }, { term: { srcaddr: '10.0.0.0/8' } }] } } } });
      expect(found.body.hits.hits.map((h) => h._id)).toEqual(['1']);
      // one node never places replicas: an index with the default 1 replica stays yellow
      expect((await client.cluster.health({ index, wait_for_status: 'yellow', timeout: '10s' })).body.status).toBe('yellow');
    } finally {
      await client.indices.delete({ index }).catch(() => undefined);
      await client.close();
    }
  });

  on('kinesis')('kinesis (kinesalite): CreateStream, PutRecord and reading it back', async () => {
    // kinesalite speaks HTTP/1.1 only: the SDK's default HTTP/2 handler fails with "Protocol error"
    const kinesis = track(new KinesisClient({ endpoint: env('KINESIS_ENDPOINT'), region, credentials, requestHandler: new NodeHttpHandler() }));
    const StreamName = `servers-smoke-${suffix}`;
    await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
    await until('stream ACTIVE', async () => {
      const s = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName }));
      return s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
    });
    const put = await kinesis.send(new PutRecordCommand({ StreamName, PartitionKey: 'eni-1', Data: Buffer.from('flow record') }));
    expect(put.SequenceNumber).toBeTruthy();
    const shards = await kinesis.send(new ListShardsCommand({ StreamName }));
    const iterator = await kinesis.send(
      new GetShardIteratorCommand({ StreamName, ShardId: shards.Shards?.[0]?.ShardId ?? '', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const records = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }));
    expect(records.Records?.map((r) => Buffer.from(r.Data ?? []).toString())).toEqual(['flow record']);
  });

  on('s3')('s3 (s3rver): PutObject and a paginated ListObjectsV2', async () => {
    const s3 = track(new S3Client({ endpoint: env('S3_ENDPOINT'), region, credentials, forcePathStyle: true }));
    const Bucket = `servers-smoke-${suffix}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    const keys = ['AWSLogs/1/a.log.gz', 'AWSLogs/1/b.log.gz', 'AWSLogs/2/c.log.gz'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: `body of ${Key}` }));
    // MaxKeys 2 forces a continuation token: the page that needs --openssl-legacy-provider
    const listed: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: 2, ContinuationToken }));
      listed.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
    expect(listed.sort()).toEqual(keys);
  });

  on('ec2')('ec2 (moto): DescribeInstances and DescribeNetworkInterfaces', async () => {
    const ec2 = track(new EC2Client({ endpoint: env('EC2_ENDPOINT'), region, credentials }));
    const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }));
    const instanceId = run.Instances?.[0]?.InstanceId;
    expect(instanceId).toMatch(/^i-/);
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId ?? ''] }));
    const instance = described.Reservations?.[0]?.Instances?.[0];
    expect(instance?.InstanceId).toBe(instanceId);
    const eniId = instance?.NetworkInterfaces?.[0]?.NetworkInterfaceId;
    expect(eniId).toMatch(/^eni-/);
    const enis = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId ?? ''] }));
    expect(enis.NetworkInterfaces?.[0]?.Attachment?.InstanceId).toBe(instanceId);
  });
});
