import { runFeedbackRepositoryContract } from '../contract/feedback-repository.contract';
import { EmbeddedFeedbackRepository } from './embedded-feedback.repository';
import { runAnomalyRepositoryContract } from '../contract/anomaly-repository.contract';
import { runIncidentRepositoryContract } from '../contract/incident-repository.contract';
import { EmbeddedAnomalyRepository } from './embedded-anomaly.repository';
import { EmbeddedIncidentRepository } from './embedded-incident.repository';
import { MemoryJournalFile } from './journal-file';

runAnomalyRepositoryContract('embedded, memory only', () => EmbeddedAnomalyRepository.open());
runAnomalyRepositoryContract('embedded, journaled', () => EmbeddedAnomalyRepository.open({ journal: new MemoryJournalFile(), compactAfter: 3 }));
runIncidentRepositoryContract('embedded, memory only', ({ timelineCap }) => EmbeddedIncidentRepository.open({ timelineCap }));
runIncidentRepositoryContract('embedded, journaled', ({ timelineCap }) =>
  EmbeddedIncidentRepository.open({ timelineCap, journal: new MemoryJournalFile(), compactAfter: 3 }));

runFeedbackRepositoryContract('embedded, journaled', () => EmbeddedFeedbackRepository.open({ journal: new MemoryJournalFile() }));
