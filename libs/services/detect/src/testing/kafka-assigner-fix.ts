/**
 * Test and bench support — a stop-gap for a libs/kafka bug, to be deleted
 * when libs/kafka has the fix (docs/detect-scaling.md, "Known gaps").
 *
 * The topic-aware assigner runs in the group leader and looks up each topic's
 * partitions in the leader's own cluster metadata, which kafkajs only loads for
 * the topics that leader subscribed to. In a group whose members subscribe to
 * different topics (the detect lanes: flows.by-src and flows.by-dst), the
 * partitions of the topic the leader did not subscribe to are never assigned.
 * The fix (one line in topicAwareAssigner.assign): load the metadata of every
 * member's topics first — what this wrapper does.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export function withEveryMembersTopics(inner: PartitionAssigner): PartitionAssigner {
  return (deps) => {
    const assigner = inner(deps);
    return {
      ...assigner,
      async assign(args) {
        const topics = new Set<string>();
        for (const m of args.members) for (const t of AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? []) topics.add(t);
        await deps.cluster.addMultipleTargetTopics([...topics]);
        return assigner.assign(args);
      },
    };
  };
}
