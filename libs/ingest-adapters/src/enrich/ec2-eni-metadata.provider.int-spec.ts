/** Against moto's EC2 API: ENI metadata, unknown ids, tags and security groups. */
import { CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateTagsCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ec2Endpoint, type LocalServer } from '../testing/local-servers';
import { Ec2EniMetadataProvider } from './ec2-eni-metadata.provider';

let server: LocalServer | undefined;
let client: EC2Client;

beforeAll(async () => {
  server = await ec2Endpoint();
  if (!server) {
    console.warn('SKIPPED: no EC2_ENDPOINT and no moto_server (pip install "moto[server]", or set MOTO_SERVER)');
    return;
  }
  client = new EC2Client({ endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

it('describes ENIs by id with tags, groups and type; unknown ids are absent, not errors', async () => {
  if (!server) return;
  const vpc = await client.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
  const subnet = await client.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.20.1.0/24' }));
  const sg = await client.send(new CreateSecurityGroupCommand({ GroupName: `web-${Date.now()}`, Description: 'web', VpcId: vpc.Vpc!.VpcId! }));
  const enis: string[] = [];
  for (let i = 0; i < 3; i++) {
    const ni = await client.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.Subnet!.SubnetId!, Groups: [sg.GroupId!], Description: `ELB app/web-lb/${i}` }));
    enis.push(ni.NetworkInterface!.NetworkInterfaceId!);
  }
  await client.send(new CreateTagsCommand({ Resources: [enis[0]!], Tags: [{ Key: 'team', Value: 'web' }, { Key: 'env', Value: 'prod' }] }));
  const provider = new Ec2EniMetadataProvider(client, 2);
  const got = await provider.describe([...enis, 'eni-0000000000000dead']);
  expect([...got.keys()].sort()).toEqual([...enis].sort());
  expect(got.get(enis[0]!)).toMatchObject({
    interfaceId: enis[0], description: 'ELB app/web-lb/0', subnetId: subnet.Subnet!.SubnetId, vpcId: vpc.Vpc!.VpcId,
    securityGroups: [sg.GroupId], tags: { team: 'web', env: 'prod' },
  });
});
