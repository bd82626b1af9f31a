/**
 * ENI metadata from EC2 DescribeNetworkInterfaces. Uses the
 * `network-interface-id` filter rather than NetworkInterfaceIds, so one unknown
 * (already deleted) ENI does not fail the whole call; asks in chunks of 200.
 */
import { DescribeNetworkInterfacesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { EniMetadata, EniMetadataProvider } from '@flowguard/ingest-pipeline';

export class Ec2EniMetadataProvider implements EniMetadataProvider {
  constructor(private readonly client: EC2Client, private readonly chunk = 200) {}

  async describe(interfaceIds: readonly string[]): Promise<Map<string, EniMetadata>> {
    const out = new Map<string, EniMetadata>();
    for (let i = 0; i < interfaceIds.length; i += this.chunk) {
      const ids = interfaceIds.slice(i, i + this.chunk);
      let token: string | undefined;
      do {
        const res = await this.client.send(new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: 'network-interface-id', Values: ids }], ...(token ? { NextToken: token } : {}),
        }));
        for (const ni of res.NetworkInterfaces ?? []) {
          if (!ni.NetworkInterfaceId) continue;
          const tags: Record<string, string> = {};
          for (const t of ni.TagSet ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
          out.set(ni.NetworkInterfaceId, {
            interfaceId: ni.NetworkInterfaceId,
            ...(ni.Attachment?.InstanceId ? { instanceId: ni.Attachment.InstanceId } : {}),
            ...(ni.Description ? { description: ni.Description } : {}),
            ...(ni.InterfaceType ? { interfaceType: ni.InterfaceType } : {}),
            ...(ni.SubnetId ? { subnetId: ni.SubnetId } : {}),
            ...(ni.VpcId ? { vpcId: ni.VpcId } : {}),
            securityGroups: (ni.Groups ?? []).map((g) => g.GroupId ?? '').filter(Boolean),
            tags,
          });
        }
        token = res.NextToken;
      } while (token);
    }
    return out;
  }
}
