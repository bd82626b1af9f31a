import { join } from 'node:path';
import { EmbeddedAnomalyRepository } from './embedded-anomaly.repository';
import { EmbeddedFeedbackRepository } from './embedded-feedback.repository';
import { EmbeddedIncidentRepository } from './embedded-incident.repository';
import { NodeJournalFile } from './journal-file';

export interface EmbeddedStoreOptions {
  /** directory for anomalies.jsonl, incidents.jsonl and feedback.jsonl; omit for memory only */
  readonly dir?: string;
  readonly anomalyRetentionDays?: number;
  /** fdatasync every append (slower, survives power loss) */
  readonly sync?: boolean;
}

export interface EmbeddedStore {
  readonly anomalies: EmbeddedAnomalyRepository;
  readonly incidents: EmbeddedIncidentRepository;
  readonly feedback: EmbeddedFeedbackRepository;
  close(): Promise<void>;
}

/** Opens both embedded repositories, durable when `dir` is given (the all-in-one / laptop mode). */
export async function openEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
  const file = (name: string) => (options.dir ? new NodeJournalFile(join(options.dir, name), { sync: options.sync ?? false }) : undefined);
  const anomalyJournal = file('anomalies.jsonl');
  const incidentJournal = file('incidents.jsonl');
  const anomalies = await EmbeddedAnomalyRepository.open({
    ...(anomalyJournal ? { journal: anomalyJournal } : {}),
    ...(options.anomalyRetentionDays !== undefined ? { retentionDays: options.anomalyRetentionDays } : {}),
  });
  const incidents = await EmbeddedIncidentRepository.open(incidentJournal ? { journal: incidentJournal } : {});
  const feedbackJournal = file('feedback.jsonl');
  const feedback = await EmbeddedFeedbackRepository.open(feedbackJournal ? { journal: feedbackJournal } : {});
  return {
    anomalies,
    incidents,
    feedback,
    close: async () => {
      await anomalies.close();
      await incidents.close();
      await feedback.close();
    },
  };
}
