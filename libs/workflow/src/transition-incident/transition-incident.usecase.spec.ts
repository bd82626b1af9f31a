import { Topics, type Incident } from '@flowguard/contracts';
import { ConflictError, EmbeddedIncidentRepository } from '@flowguard/persistence';
import { IllegalTransitionError } from '../lifecycle/incident-lifecycle';
import { IncidentNotFoundError, TransitionIncident } from './transition-incident.usecase';

const incident = (): Incident => ({
  incidentId: 'inc-port-scan.0001.1700000100', state: 'New', severity: 'high', title: 'Port scan', summary: 's',
  anomalyIds: ['port-scan.0001.1700000100'], actor: '172.16.0.1', targets: ['192.168.10.50'], mitre: ['T1046'], detector: 'port-scan',
  timeline: [{ at: 1, type: 'opened', state: 'New', by: 'orchestrator', text: 'opened' }], createdAt: 1, updatedAt: 1, version: 1,
});

async function setup() {
  const repo = await EmbeddedIncidentRepository.open();
  await repo.create(incident());
  let now = 100;
  return { repo, usecase: new TransitionIncident({ incidents: repo, clock: () => now++ }) };
}

describe('TransitionIncident', () => {
  it('moves along the lifecycle, records who and why, and returns a state_changed event', async () => {
    const { usecase } = await setup();
    const r = await usecase.execute({ incidentId: 'inc-port-scan.0001.1700000100', to: 'Investigating', by: 'alice', reason: 'looking' });
    expect(r.incident).toMatchObject({ state: 'Investigating', version: 2 });
    expect(r.incident.timeline.at(-1)).toMatchObject({ type: 'state_changed', state: 'Investigating', by: 'alice', text: 'Moved from New to Investigating: looking' });
    expect(r.event).toMatchObject({ type: 'state_changed', state: 'Investigating', previousState: 'New', by: 'alice', eventId: 'inc-port-scan.0001.1700000100:v2' });
    expect(Topics.incidents.codec.decode(Topics.incidents.codec.encode(r.event)).ok).toBe(true);
  });

  it('refuses illegal moves and reopening without a reason', async () => {
    const { usecase } = await setup();
    await expect(usecase.execute({ incidentId: 'inc-port-scan.0001.1700000100', to: 'Resolved', by: 'a' })).rejects.toThrow(IllegalTransitionError);
    await usecase.execute({ incidentId: 'inc-port-scan.0001.1700000100', to: 'Closed', by: 'a', reason: 'authorised scanner' });
    await expect(usecase.execute({ incidentId: 'inc-port-scan.0001.1700000100', to: 'Investigating', by: 'a' })).rejects.toThrow(/reopening needs a reason/);
    const r = await usecase.execute({ incidentId: 'inc-port-scan.0001.1700000100', to: 'Investigating', by: 'a', reason: 'scan resumed' });
    expect(r.incident.timeline.at(-1)?.text).toBe('Reopened: scan resumed');
  });

  it('reports unknown incidents and stale versions', async () => {
    const { usecase } = await setup();
    await expect(usecase.execute({ incidentId: 'inc-nope-0000', to: 'Investigating', by: 'a' })).rejects.toThrow(IncidentNotFoundError);
    await expect(usecase.execute({ incidentId: 'inc-port-scan.0001.1700000100', to: 'Investigating', by: 'a', expectedVersion: 7 })).rejects.toThrow(ConflictError);
  });

  it('lets exactly one of two concurrent analysts win', async () => {
    const { usecase } = await setup();
    const results = await Promise.allSettled([
      usecase.execute({ incidentId: 'inc-port-scan.0001.1700000100', to: 'Investigating', by: 'a' }),
      usecase.execute({ incidentId: 'inc-port-scan.0001.1700000100', to: 'Closed', by: 'b' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost?.reason).toBeInstanceOf(ConflictError);
  });
});
