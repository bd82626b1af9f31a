import { anomalyLinks } from './anomaly-links';

describe('anomaly links to the raw flows', () => {
  it('queries the actor over the span widened by 10 minutes, with the port when there is exactly one', () => {
    const l = anomalyLinks({ actor: '203.0.113.5', targets: ['10.0.0.7'], ports: [22], firstSeen: 1_700_000_000, lastSeen: 1_700_003_600 });
    expect(l?.flows).toBe('/v1/flows/history?ip=203.0.113.5&from=1699999400&to=1700004200&port=22&limit=100');
    expect(l?.export).toBe('/v1/flows/export?ip=203.0.113.5&from=1699999400&to=1700004200&port=22&format=csv');
  });

  it('falls back to the first target, leaves many ports out, caps the span at the history limit of 90 days', () => {
    const l = anomalyLinks({ actor: null, targets: ['2001:db8::7'], ports: [22, 23, 80], firstSeen: 0, lastSeen: 200 * 86_400 });
    expect(l?.export).toBe(`/v1/flows/export?ip=2001%3Adb8%3A%3A7&from=${200 * 86_400 + 600 - 90 * 86_400}&to=${200 * 86_400 + 600}&format=csv`);
    expect(anomalyLinks({ actor: null, targets: [], ports: [], firstSeen: 1, lastSeen: 2 })).toBeUndefined();
  });
});
