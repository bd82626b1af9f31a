import { AssignerProtocol, type GroupDescription } from 'kafkajs';
import { brokerGroupView, isMembershipError, judgeMembership, type BrokerGroupView, type LocalMembership } from './group-membership';

const topic = 'ns.flowguard.flows.by-src.v1';
const stable = (members: Array<[string, number[]]>, state = 'Stable'): BrokerGroupView => ({
  groupId: 'g', state,
  members: members.map(([memberId, partitions]) => ({ memberId, clientId: 'c', assignment: { [topic]: partitions } })),
});
const local = (memberId: string | null, assigned: number[], joinedAt = 1_000): LocalMembership => ({ memberId, topic, assigned, joinedAt });

describe('judgeMembership', () => {
  it('confirms a member whose assignment the stable group agrees with (order does not matter)', () => {
    expect(judgeMembership(local('b', [1, 4]), stable([['a', [0, 3]], ['b', [4, 1]], ['c', [2, 5]]]), 2_000)).toEqual({ kind: 'ok' });
  });

  it('finds a member the stable group no longer has stale (the by-src [1,3,5] case)', () => {
    const v = judgeMembership(local('b', [1, 3, 5]), stable([['a', [0, 2, 4]], ['c', [1, 3, 5]]]), 2_000);
    expect(v.kind).toBe('stale');
    expect(v.kind === 'stale' && v.reason).toContain('not in the stable group');
  });

  it('finds a member whose assignment differs from the coordinator\'s stale', () => {
    const v = judgeMembership(local('b', [1, 3, 5]), stable([['a', [0, 3]], ['b', [1, 4]], ['c', [2, 5]]]), 2_000);
    expect(v.kind).toBe('stale');
  });

  it('finds a member of a group the coordinator emptied stale (its session ran out)', () => {
    expect(judgeMembership(local('b', [0, 1, 2]), stable([], 'Empty'), 2_000).kind).toBe('stale');
    expect(judgeMembership(local('b', [0, 1, 2]), stable([], 'Dead'), 2_000).kind).toBe('stale');
  });

  it('does not judge during a rebalance, nor against a view older than the member\'s last join', () => {
    expect(judgeMembership(local('b', [1, 3, 5]), stable([['a', [0]]], 'PreparingRebalance'), 2_000).kind).toBe('unsettled');
    expect(judgeMembership(local('b', [1, 3, 5]), stable([['a', [0]]], 'CompletingRebalance'), 2_000).kind).toBe('unsettled');
    expect(judgeMembership(local('b', [1, 3, 5], 2_500), stable([['a', [0, 2, 4]]]), 2_000).kind).toBe('unsettled');
  });

  it('has nothing to judge for a member that claims no partitions', () => {
    expect(judgeMembership(local('b', []), stable([['a', [0, 1, 2]]]), 2_000)).toEqual({ kind: 'ok' });
    expect(judgeMembership(local(null, [1]), stable([['a', [0, 1, 2]]]), 2_000)).toEqual({ kind: 'ok' });
  });
});

describe('brokerGroupView', () => {
  it('decodes member assignments, and tolerates ones it cannot read', () => {
    const encoded = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { [topic]: [2, 5] }, userData: Buffer.alloc(0) });
    const d = {
      groupId: 'g', state: 'Stable', protocol: 'p', protocolType: 'consumer',
      members: [
        { memberId: 'a', clientId: 'x', clientHost: 'h', memberMetadata: Buffer.alloc(0), memberAssignment: encoded },
        { memberId: 'b', clientId: 'y', clientHost: 'h', memberMetadata: Buffer.alloc(0), memberAssignment: Buffer.alloc(0) },
      ],
    } as GroupDescription;
    const v = brokerGroupView(d);
    expect(v.members.map((m) => [m.memberId, m.assignment])).toEqual([['a', { [topic]: [2, 5] }], ['b', {}]]);
  });
});

describe('isMembershipError', () => {
  it('recognises the coordinator errors that mean "rejoin"', () => {
    for (const type of ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP']) {
      expect(isMembershipError({ type })).toBe(true);
    }
    expect(isMembershipError({ type: 'REQUEST_TIMED_OUT' })).toBe(false);
    expect(isMembershipError(new Error('boom'))).toBe(false);
    expect(isMembershipError(null)).toBe(false);
  });
});
