/**
 * A partition assigner that respects what each member subscribed to.
 *
 * kafkajs' built-in RoundRobinAssigner deals every partition of every topic
 * any member subscribed to over *all* members. Flowguard runs one consumer per
 * (group, topic) subscription, and a service may consume two topics in one
 * group (e.g. the orchestrator), so with the built-in assigner a member could be
 * handed partitions of a topic it never subscribed to and they would never be
 * consumed. This assigner deals each topic's partitions round-robin over the
 * members subscribed to that topic only. See docs/adr/0005.
 */
import { AssignerProtocol, type Assigner, type GroupMemberAssignment, type PartitionAssigner } from 'kafkajs';

export const TOPIC_AWARE_ASSIGNER_NAME = 'FlowguardTopicAwareRoundRobin';

export interface MemberSubscription {
  readonly memberId: string;
  readonly topics: ReadonlyArray<string>;
}

/**
 * Pure assignment: for each topic (sorted), its partitions go round-robin over
 * the members subscribed to it (sorted by id). The start member rotates from
 * topic to topic so single-partition topics do not all land on one member.
 */
export function assignByTopic(
  members: ReadonlyArray<MemberSubscription>,
  partitionsOf: (topic: string) => ReadonlyArray<number>,
): Map<string, Record<string, number[]>> {
  const out = new Map<string, Record<string, number[]>>();
  for (const m of members) out.set(m.memberId, {});
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
  let rotation = 0;
  for (const topic of topics) {
    const subscribers = members.filter((m) => m.topics.includes(topic)).map((m) => m.memberId).sort();
    const partitions = [...partitionsOf(topic)].sort((a, b) => a - b);
    partitions.forEach((partition, i) => {
      const member = subscribers[(i + rotation) % subscribers.length] as string;
      const assignment = out.get(member) as Record<string, number[]>;
      (assignment[topic] ??= []).push(partition);
    });
    rotation++;
  }
  return out;
}

export const topicAwareAssigner: PartitionAssigner = ({ cluster, logger }) => {
  const assigner: Assigner = {
    name: TOPIC_AWARE_ASSIGNER_NAME,
    version: 0,
    async assign({ members }): Promise<GroupMemberAssignment[]> {
      const subscriptions: MemberSubscription[] = [];
      for (const m of members) {
        const meta = AssignerProtocol.MemberMetadata.decode(m.memberMetadata);
        if (!meta) {
          logger.warn('member metadata could not be decoded; it gets no partitions', { memberId: m.memberId });
          subscriptions.push({ memberId: m.memberId, topics: [] });
          continue;
        }
        subscriptions.push({ memberId: m.memberId, topics: meta.topics });
      }
      // kafkajs loads metadata only for the leader's own topics; members of one group may
      // subscribe to others (the detect lanes: by-src and by-dst), whose partitions would
      // otherwise be found empty and never assigned
      await cluster.addMultipleTargetTopics([...new Set(subscriptions.flatMap((s) => s.topics))]);
      const assignment = assignByTopic(subscriptions, (topic) => cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId));
      return [...assignment].map(([memberId, a]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: assigner.version, assignment: a, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return {
        name: assigner.name,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: assigner.version, topics, userData: Buffer.alloc(0) }),
      };
    },
  };
  return assigner;
};
