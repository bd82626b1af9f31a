/**
 * Analyst feedback (FR5.3): an analyst's verdict on an anomaly or incident,
 * kept as labeled data for tuning detectors and retraining models. Records
 * are immutable; a changed mind is a new record (the newest per subject wins
 * for whoever builds a training set).
 */
import { VERDICTS, type Verdict } from '@flowguard/contracts';
import type { Page } from './repositories.port';

export const FEEDBACK_SUBJECTS = ['anomaly', 'incident'] as const;
export type FeedbackSubject = (typeof FEEDBACK_SUBJECTS)[number];
export { VERDICTS as FEEDBACK_VERDICTS };

export interface AnalystFeedback {
  /** idempotency key chosen by the caller (e.g. the API request id): a retry never records twice */
  readonly feedbackId: string;
  readonly subjectType: FeedbackSubject;
  readonly subjectId: string;
  /** detector of the anomaly (or of the incident's first anomaly): the unit of tuning */
  readonly detector: string;
  readonly verdict: Verdict;
  readonly analyst: string;
  readonly note?: string;
  /** detector score and confidence at the time, so a training set needs no join */
  readonly score?: number;
  readonly confidence?: number;
  /** epoch ms */
  readonly createdAt: number;
}

export interface FeedbackQuery {
  readonly detector?: string;
  readonly subjectId?: string;
  /** epoch ms, on createdAt */
  readonly since?: number;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface AnalystFeedbackRepository {
  /** Stores unless a record with this feedbackId exists (then returns the stored one, created:false). */
  record(feedback: AnalystFeedback): Promise<{ readonly created: boolean; readonly feedback: AnalystFeedback }>;
  get(feedbackId: string): Promise<AnalystFeedback | null>;
  /** newest first by createdAt; `subjectId` takes precedence over `detector` as the index, the other filters */
  list(query: FeedbackQuery): Promise<Page<AnalystFeedback>>;
}
