/**
 * Applies the topic-aware assigner fix (libs/services/detect/src/testing/kafka-assigner-fix.ts)
 * to this process's KafkaBus, which the detect lanes need until libs/kafka has it: without it,
 * members of one group subscribed to different topics (by-src, by-dst) leave one topic unassigned.
 * Import it before any KafkaBus subscribes.
 */
import * as assignerModule from '../../libs/kafka/src/topic-aware.assigner';
import { withEveryMembersTopics } from '../../libs/services/detect/src/testing/kafka-assigner-fix';

const exportsOf = assignerModule as unknown as Record<string, unknown>;
exportsOf['topicAwareAssigner'] = withEveryMembersTopics(assignerModule.topicAwareAssigner);
