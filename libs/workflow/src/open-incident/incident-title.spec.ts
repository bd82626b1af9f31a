import { detectorWords, incidentTitle } from './incident-title';

describe('incident title', () => {
  it('names detector, actor and target', () => {
    expect(incidentTitle({ detector: 'port-scan', actor: '172.16.0.1', targets: ['192.168.10.50'] })).toBe('Port scan from 172.16.0.1 against 192.168.10.50');
    expect(incidentTitle({ detector: 'ddos', actor: null, targets: ['a', 'b'] })).toBe('DDoS against 2 targets');
  });
  it('keeps acronyms', () => {
    expect(detectorWords('c2-beaconing')).toBe('C2 beaconing');
    expect(detectorWords('udp-flood')).toBe('UDP flood');
  });
});
