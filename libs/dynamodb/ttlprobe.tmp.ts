import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoClients, ensureAnomalyTable } from './src/index';
async function main() {
  const c = createDynamoClients({ endpoint: process.env.DYNAMODB_ENDPOINT });
  const t = 'ttlprobe-' + Date.now();
  await ensureAnomalyTable(c.client, t);
  for (let i = 0; i < 5; i++) await c.doc.send(new PutCommand({ TableName: t, Item: { anomalyId: 'x' + i, expiresAt: Math.floor(Date.now() / 1000) - 100 } }));
  const t0 = Date.now();
  for (;;) {
    const r = await c.doc.send(new ScanCommand({ TableName: t }));
    if ((r.Items?.length ?? 0) < 5) { console.log(`first deletion after ${Date.now() - t0} ms, left ${r.Items?.length}`); }
    if ((r.Items?.length ?? 0) === 0) { console.log(`all deleted after ${Date.now() - t0} ms`); break; }
    if (Date.now() - t0 > 400_000) { console.log('not deleted in 400 s'); break; }
    await new Promise((res) => setTimeout(res, 1000));
  }
  c.destroy();
}
main();
