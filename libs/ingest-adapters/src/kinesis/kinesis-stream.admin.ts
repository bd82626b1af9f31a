/**
 * Creating a stream and waiting until it can be read: what local development, the integration
 * specs and the benchmarks do against kinesalite (in AWS the stream comes from Terraform).
 */
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

/** Create `name` with `shardCount` shards and resolve once it is ACTIVE; rejects after `timeoutMs`. */
export async function createActiveStream(client: KinesisClient, name: string, shardCount: number, timeoutMs = 10_000): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    if (Date.now() >= deadline) throw new Error(`Kinesis stream ${name} is not ACTIVE after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
