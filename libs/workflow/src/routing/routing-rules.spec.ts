import { routeClassification, type RoutingRule } from './routing-rules';

describe('routing rules', () => {
  it('discards false positives whatever the severity', () => {
    expect(routeClassification({ verdict: 'false_positive', severity: 'critical' }).route).toBe('discard');
  });
  it('sends critical and high to investigation', () => {
    expect(routeClassification({ verdict: 'true_positive', severity: 'critical' }).route).toBe('investigation');
    expect(routeClassification({ verdict: 'needs_review', severity: 'high' }).route).toBe('investigation');
  });
  it('queues medium, low and info for analysts', () => {
    for (const severity of ['medium', 'low', 'info'] as const) {
      expect(routeClassification({ verdict: 'true_positive', severity }).route).toBe('analyst_queue');
    }
  });
  it('falls back to the analyst queue when a custom table has no catch-all', () => {
    const rules: RoutingRule[] = [{ name: 'only-critical', when: { severity: ['critical'] }, route: 'investigation', opensIncident: true }];
    expect(routeClassification({ verdict: 'true_positive', severity: 'low' }, rules)).toMatchObject({ name: 'no-rule-matched', route: 'analyst_queue' });
  });
});
