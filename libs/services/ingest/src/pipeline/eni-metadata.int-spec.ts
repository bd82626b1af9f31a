/**
 * ENI enrichment through the ingest service against a real EC2 query API
 * (moto; the root integration setup exports EC2_ENDPOINT): flows posted for an
 * ENI that exists in EC2 come out on flows.enriched with its description,
 * type, security groups and tags; an ENI EC2 does not know passes unenriched;
 * `/v1/ingest/stats` counts the EC2 hits and misses. The bus is the in-process
 * one: what is under test is the service's wiring to EC2.
 */
import {
  CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateTagsCommand, CreateVpcCommand, EC2Client,
} from '@aws-sdk/client-ec2';
import { Consumers, recordAt, Topics, type FlowBatch, type FlowRecord } from '@flowguard/contracts';
import type { Bus } from '@flowguard/messaging';
import { BUS, createServiceApp, listenServiceApp, type ServiceApp } from '@flowguard/service-kit';
import { Writable } from 'node:stream';
import { IngestServiceModule } from '../ingest-service.module';

jest.setTimeout(120_000);

const EC2_ENDPOINT = process.env['EC2_ENDPOINT'];
const quiet = new Writable({ write: (_c, _e, cb) => cb() });
const line = (eni: string, i: number) => `2 123456789012 ${eni} 10.31.0.${i} 198.51.100.7 ${40000 + i} 443 6 4 600 1700000000 1700000060 ACCEPT OK`;

describe('ingest ENI enrichment against the EC2 API (moto)', () => {
  let s: ServiceApp;
  let url: string;
  let eni: string;
  let sg: string;
  const rows: FlowRecord[] = [];

  beforeAll(async () => {
    if (!EC2_ENDPOINT) throw new Error('EC2_ENDPOINT must be set: run through jest.integration.config.js, which starts moto');
    const ec2 = new EC2Client({ endpoint: EC2_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.31.0.0/16' }));
    const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.31.0.0/24' }));
    sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: `web-${Date.now()}`, Description: 'web', VpcId: vpc.Vpc!.VpcId! }))).GroupId!;
    const ni = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.Subnet!.SubnetId!, Groups: [sg], Description: 'ELB app/web-lb/0' }));
    eni = ni.NetworkInterface!.NetworkInterfaceId!;
    await ec2.send(new CreateTagsCommand({ Resources: [eni], Tags: [{ Key: 'team', Value: 'web' }] }));
    ec2.destroy();

    const env = {
      FLOWGUARD_BUS: 'inprocess', FLOWGUARD_STORE: 'embedded', PORT: '0', HOST: '127.0.0.1', METRICS_DEFAULT: 'false', LOG_LEVEL: 'silent',
      INGEST_IP_RANGES: 'bundled', INGEST_GEO: 'false', FLOWS_PARQUET: 'false',
      INGEST_ENI_METADATA: 'true', EC2_ENDPOINT, AWS_REGION: 'us-east-1',
    };
    s = await createServiceApp({ service: 'ingest', modules: [IngestServiceModule.register(env)], store: false, env, logDestination: quiet, shutdownHooks: false });
    url = await listenServiceApp(s);
    await s.app.get<Bus>(BUS).subscribe<FlowBatch>({
      group: Consumers.detect, topic: Topics.flowsEnriched,
      handle: async (batch) => {
        for (const { value } of batch) for (let i = 0; i < value.length; i++) rows.push(recordAt(value, i));
      },
    });
  });

  afterAll(async () => {
    await s?.app.close();
  });

  it('adds the ENI description, type, security groups and tags from EC2; an unknown ENI passes without them', async () => {
    const text = [line(eni, 1), line(eni, 2), line('eni-0000000000000dead', 3)].join('\n');
    const res = await fetch(`${url}/v1/flows`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: text });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 10_000;
    while (rows.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const known = rows.filter((r) => r.interfaceId === eni);
    expect(known).toHaveLength(2);
    for (const r of known) {
      expect(r.fields).toMatchObject({ 'eni-description': 'ELB app/web-lb/0', 'eni-security-groups': sg, tags: 'team=web' });
      expect(r.fields?.['eni-type']).toBeTruthy();
    }
    const unknown = rows.find((r) => r.interfaceId === 'eni-0000000000000dead');
    expect(unknown?.fields?.['eni-description']).toBeUndefined();
    const stats = (await (await fetch(`${url}/v1/ingest/stats`)).json()) as { totals: { enrichment: Record<string, unknown> } };
    expect(JSON.stringify(stats.totals.enrichment)).toMatch(/"eni":\{[^}]*"hits":1[^}]*"misses":1/);
  });
});
