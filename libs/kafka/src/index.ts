export * from './kafka.config';
export * from './kafka.bus';
export * from './kafka.logger';
export { assignByTopic, topicAwareAssigner, TOPIC_AWARE_ASSIGNER_NAME, type MemberSubscription } from './topic-aware.assigner';
