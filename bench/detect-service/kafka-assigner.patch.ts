/**
 * Applies the topic-aware assigner fix (libs/services/detect/src/testing/kafka-assigner-fix.ts)
 * to this process's KafkaBus, which the detect lanes need until libs/kafka has it: without it,
 * members of one group subscribed to different topics (by-src, by-dst) leave one topic unassigned.
 * Import it before any KafkaBus subscribes.
 */
import { withEveryMembersTopics } from '@flowguard/service-detect';
// the module object KafkaBus reads its assigner from (not the package index, whose re-export is a getter)
// eslint-disable-next-line @nx/enforce-module-boundaries -- stop-gap until libs/kafka has the fix (docs/detect-scaling.md)
import * as assignerModule from '../../libs/kafka/src/topic-aware.assigner';

const exportsOf = assignerModule as unknown as Record<string, unknown>;
exportsOf['topicAwareAssigner'] = withEveryMembersTopics(assignerModule.topicAwareAssigner);
