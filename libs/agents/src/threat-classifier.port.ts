import type { AnomalyV1, ThreatClassificationV1 } from '@flowguard/contracts';

/**
 * The threat-classifier port (FR3.1). The offline rules classifier implements it
 * today; a Bedrock-backed classifier (libs/bedrock) will implement the same
 * interface, so the agents service never knows which one it runs.
 *
 * Implementations must be safe against hostile input: every text field of an
 * anomaly (summary, actor, targets, PTR names added by enrichment, signal notes)
 * can be attacker-influenced. A model-backed classifier must pass them to the
 * model only as quoted data (see {@link quoteUntrusted}), never as instructions.
 */
export interface ThreatClassifier {
  readonly provider: ThreatClassificationV1['provider'];
  readonly model: string;
  classify(anomaly: AnomalyV1): Promise<ThreatClassificationV1>;
}

/** Epoch-ms clock, injected so classifications are reproducible in tests. */
export type Clock = () => number;
