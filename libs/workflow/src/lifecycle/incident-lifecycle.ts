import { INCIDENT_STATES, type IncidentState } from '@flowguard/contracts';

/**
 * The incident lifecycle (FR5.1): New → Investigating → Contained → Resolved → Closed.
 *
 * Besides the main path:
 * - New → Closed: triaged as a duplicate or a false alarm without investigation;
 * - Investigating → Resolved: nothing needed containment;
 * - reopen: Resolved or Closed → Investigating when the activity returns or the fix
 *   did not hold. A reopen needs a reason (enforced by {@link assertTransition}).
 * Closed is otherwise terminal; nothing moves back to New.
 */
export const INCIDENT_TRANSITIONS: Readonly<Record<IncidentState, readonly IncidentState[]>> = Object.freeze({
  New: ['Investigating', 'Closed'],
  Investigating: ['Contained', 'Resolved'],
  Contained: ['Resolved', 'Investigating'],
  Resolved: ['Closed', 'Investigating'],
  Closed: ['Investigating'],
});

/** Transitions that reopen a finished incident and therefore need a reason. */
const REOPENS = new Set(['Resolved>Investigating', 'Closed>Investigating']);

export class IllegalTransitionError extends Error {
  constructor(readonly from: IncidentState, readonly to: IncidentState, reason: string) {
    super(`incident cannot go from ${from} to ${to}: ${reason}`);
    this.name = 'IllegalTransitionError';
  }
}

export function isIncidentState(value: string): value is IncidentState {
  return (INCIDENT_STATES as readonly string[]).includes(value);
}

export function allowedTransitions(from: IncidentState): readonly IncidentState[] {
  return INCIDENT_TRANSITIONS[from];
}

export function canTransition(from: IncidentState, to: IncidentState): boolean {
  return INCIDENT_TRANSITIONS[from].includes(to);
}

export function isReopen(from: IncidentState, to: IncidentState): boolean {
  return REOPENS.has(`${from}>${to}`);
}

/** Throws {@link IllegalTransitionError} unless `from → to` is allowed (with a reason for reopens). */
export function assertTransition(from: IncidentState, to: IncidentState, reason?: string): void {
  if (from === to) throw new IllegalTransitionError(from, to, 'already in that state');
  if (!canTransition(from, to)) {
    throw new IllegalTransitionError(from, to, `allowed from ${from}: ${INCIDENT_TRANSITIONS[from].join(', ') || 'none'}`);
  }
  if (isReopen(from, to) && !reason?.trim()) throw new IllegalTransitionError(from, to, 'reopening needs a reason');
}
