export { RulesError, checkAllowList, checkSuppressions, readRules } from './rules';
export type { AllowListEntry, Rules, SuppressionRule } from './rules';
export { Suppressions } from './suppressions';
export { AnomalyRules } from './anomaly-rules';
export type { RuleRef, RuleVerdict } from './anomaly-rules';
export { suppressionDraft } from './suppression-draft';
