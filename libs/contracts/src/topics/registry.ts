/**
 * The one place topic names exist. Every producer and consumer goes through
 * these descriptors; a topic name never appears as a literal anywhere else.
 * Within a major version only additive, optional fields; a breaking change is
 * a new `.v2` topic beside the old one.
 */
import type { FlowBatch } from '../flows/flow-batch';
import { ResponseActionV1 } from '../messages/action.v1';
import { AnomalyV1 } from '../messages/anomaly.v1';
import { ThreatClassificationV1 } from '../messages/classification.v1';
import { DeadLetterV1 } from '../messages/dead-letter.v1';
import { FindingV1 } from '../messages/finding.v1';
import { IncidentEventV1 } from '../messages/incident.v1';
import { NotificationV1 } from '../messages/notification.v1';
import { RawFlowPayloadV1 } from '../messages/raw-payload.v1';
import { flowBatchCodec, jsonCodec, type MessageCodec } from './codec';

export interface TopicDef<T> {
  readonly name: string;
  readonly version: number;
  readonly description: string;
  readonly codec: MessageCodec<T>;
  /** the partition key: messages with one key keep their order */
  readonly key: (message: T) => string;
  readonly keyDoc: string;
  /** default partition count when the project creates the topic */
  readonly partitions: number;
  /** golden fixture file under libs/contracts/fixtures */
  readonly fixture: string;
}

function topic<T>(def: TopicDef<T>): TopicDef<T> {
  if (!/^flowguard\.[a-z0-9.-]+\.v\d+$/.test(def.name) || !def.name.endsWith(`.v${def.version}`)) {
    throw new Error(`topic name ${def.name} must be flowguard.<name>.v<version>`);
  }
  return Object.freeze(def);
}

/** Metadata a flow-batch message carries in Kafka headers (the batch itself is binary). */
export interface FlowBatchKey {
  /** the partition key chosen by the producer, e.g. the ingest shard or source ENI */
  readonly key: string;
}

export const Topics = {
  flowsRaw: topic<RawFlowPayloadV1>({
    name: 'flowguard.flows.raw.v1', version: 1,
    description: 'flow-log payloads exactly as a delivery path received them (replay, audit); reserved: no producer yet',
    codec: jsonCodec(RawFlowPayloadV1), key: (m) => `${m.source}:${m.position}`, keyDoc: 'source:position',
    partitions: 6, fixture: 'flows.raw.v1.json',
  }),
  flowsEnriched: topic<FlowBatch>({
    name: 'flowguard.flows.enriched.v1', version: 1,
    description: 'parsed, filtered and enriched flow records as compact columnar batches',
    codec: flowBatchCodec,
    // producers pass an explicit key (see FlowBatchKey); this default keeps one ENI's batches ordered
    key: (b) => (b.length > 0 ? b.strings.get(b.interfaceId[0] as number) : ''),
    keyDoc: 'ingest shard / source ENI', partitions: 6, fixture: 'flows.enriched.v1.b64',
  }),
  flowsBySource: topic<FlowBatch>({
    name: 'flowguard.flows.by-src.v1', version: 1,
    description: 'detect-internal repartition: flow batches whose rows all share one source-IP hash bucket',
    codec: flowBatchCodec, key: (b) => (b.length > 0 ? b.src(0) : ''), keyDoc: 'source IP (bucketed)',
    partitions: 6, fixture: 'flows.enriched.v1.b64',
  }),
  flowsByDestination: topic<FlowBatch>({
    name: 'flowguard.flows.by-dst.v1', version: 1,
    description: 'detect-internal repartition: flow batches whose rows all share one destination-IP hash bucket',
    codec: flowBatchCodec, key: (b) => (b.length > 0 ? b.dst(0) : ''), keyDoc: 'destination IP (bucketed)',
    partitions: 6, fixture: 'flows.enriched.v1.b64',
  }),
  anomalies: topic<AnomalyV1>({
    name: 'flowguard.anomalies.v1', version: 1,
    description: 'aggregated, deduplicated detector findings with evidence references',
    codec: jsonCodec(AnomalyV1), key: (m) => m.anomalyId, keyDoc: 'anomalyId', partitions: 3, fixture: 'anomalies.v1.json',
  }),
  classifications: topic<ThreatClassificationV1>({
    name: 'flowguard.classifications.v1', version: 1,
    description: 'threat classifier decisions (severity, confidence, verdict, MITRE, reasoning)',
    codec: jsonCodec(ThreatClassificationV1), key: (m) => m.anomaly.anomalyId, keyDoc: 'anomalyId', partitions: 3,
    fixture: 'classifications.v1.json',
  }),
  incidents: topic<IncidentEventV1>({
    name: 'flowguard.incidents.v1', version: 1,
    description: 'incident lifecycle events (New → Investigating → Contained → Resolved → Closed)',
    codec: jsonCodec(IncidentEventV1), key: (m) => m.incidentId, keyDoc: 'incidentId', partitions: 3, fixture: 'incidents.v1.json',
  }),
  actions: topic<ResponseActionV1>({
    name: 'flowguard.actions.v1', version: 1,
    description: 'response actions: requested, approved/rejected, executed/failed; reserved: no producer yet',
    codec: jsonCodec(ResponseActionV1), key: (m) => m.incidentId, keyDoc: 'incidentId', partitions: 3, fixture: 'actions.v1.json',
  }),
  notifications: topic<NotificationV1>({
    name: 'flowguard.notifications.v1', version: 1,
    description: 'notifications to Slack, PagerDuty, Jira, webhooks; reserved: no producer yet',
    codec: jsonCodec(NotificationV1), key: (m) => m.incidentId, keyDoc: 'incidentId', partitions: 3, fixture: 'notifications.v1.json',
  }),
  findings: topic<FindingV1>({
    name: 'flowguard.findings.v1', version: 1,
    description: 'flat findings for SIEM taps',
    codec: jsonCodec(FindingV1), key: (m) => m.ref, keyDoc: 'ref (anomaly or incident id)', partitions: 3, fixture: 'findings.v1.json',
  }),
} as const;

export type TopicKey = keyof typeof Topics;
export type MessageOf<K extends TopicKey> = (typeof Topics)[K] extends TopicDef<infer T> ? T : never;

/** Every consumer group in the system; each has its own dead-letter topic. */
export const Consumers = {
  ingestRaw: 'flowguard-ingest-raw',
  detect: 'flowguard-detect',
  detectRepartition: 'flowguard-detect-repartition',
  agents: 'flowguard-agents',
  orchestrator: 'flowguard-orchestrator',
  orchestratorActions: 'flowguard-orchestrator-actions',
  api: 'flowguard-api',
  platform: 'flowguard-platform',
} as const;
export type ConsumerName = (typeof Consumers)[keyof typeof Consumers];

const dlqTopics = new Map<string, TopicDef<DeadLetterV1>>();
/** The dead-letter topic of one consumer group: flowguard.dlq.<group>.v1 */
export function deadLetterTopic(consumer: ConsumerName): TopicDef<DeadLetterV1> {
  let t = dlqTopics.get(consumer);
  if (!t) {
    t = topic<DeadLetterV1>({
      name: `flowguard.dlq.${consumer.replace(/^flowguard-/, '')}.v1`, version: 1,
      description: `dead letters of consumer group ${consumer}`,
      codec: jsonCodec(DeadLetterV1), key: (m) => m.sourceTopic, keyDoc: 'sourceTopic', partitions: 1, fixture: 'dlq.v1.json',
    });
    dlqTopics.set(consumer, t);
  }
  return t;
}

/** Every topic the system uses, for creating them and for the docs table. */
export function allTopics(): TopicDef<unknown>[] {
  return [
    ...Object.values(Topics),
    ...Object.values(Consumers).map((c) => deadLetterTopic(c)),
  ] as TopicDef<unknown>[];
}

