import { INCIDENT_STATES, type IncidentState } from '@flowguard/contracts';
import { allowedTransitions, assertTransition, canTransition, IllegalTransitionError, INCIDENT_TRANSITIONS, isReopen } from './incident-lifecycle';

describe('incident lifecycle', () => {
  it('allows the main path New → Investigating → Contained → Resolved → Closed', () => {
    const path: IncidentState[] = ['New', 'Investigating', 'Contained', 'Resolved', 'Closed'];
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1] as IncidentState, path[i] as IncidentState)).toBe(true);
  });

  it('matches the full table exactly (every pair checked)', () => {
    const allowed = new Set([
      'New>Investigating', 'New>Closed',
      'Investigating>Contained', 'Investigating>Resolved',
      'Contained>Resolved', 'Contained>Investigating',
      'Resolved>Closed', 'Resolved>Investigating',
      'Closed>Investigating',
    ]);
    for (const from of INCIDENT_STATES) {
      for (const to of INCIDENT_STATES) expect([`${from}>${to}`, canTransition(from, to)]).toEqual([`${from}>${to}`, allowed.has(`${from}>${to}`)]);
    }
  });

  it('never goes back to New', () => {
    for (const from of INCIDENT_STATES) expect(allowedTransitions(from)).not.toContain('New');
  });

  it('covers every state', () => {
    expect(Object.keys(INCIDENT_TRANSITIONS).sort()).toEqual([...INCIDENT_STATES].sort());
  });

  it('rejects illegal and no-op transitions with a clear error', () => {
    expect(() => assertTransition('New', 'Resolved')).toThrow(new IllegalTransitionError('New', 'Resolved', 'allowed from New: Investigating, Closed'));
    expect(() => assertTransition('New', 'New')).toThrow(/already in that state/);
  });

  it('requires a reason to reopen', () => {
    expect(isReopen('Closed', 'Investigating')).toBe(true);
    expect(isReopen('Contained', 'Investigating')).toBe(false);
    expect(() => assertTransition('Closed', 'Investigating')).toThrow(/reopening needs a reason/);
    expect(() => assertTransition('Closed', 'Investigating', '  ')).toThrow(/reopening needs a reason/);
    expect(() => assertTransition('Closed', 'Investigating', 'scan resumed')).not.toThrow();
  });
});
