/**
 * Does a group member still own what it believes it owns? kafkajs learns that it
 * was dropped from its group only through a failed heartbeat, fetch-loop
 * heartbeat or commit. A member whose loop cannot reach one (a crashed consumer
 * kafkajs does not restart, a loop stuck in a handler while the coordinator
 * finished a rebalance without it) keeps the assignment of its last join
 * forever, and another member owns the same partitions. The coordinator is the
 * only authority on the current generation, so the adapter asks it
 * (DescribeGroups) and compares. Pure functions here; the IO is in KafkaBus.
 */
import { AssignerProtocol, type GroupDescription } from 'kafkajs';

/** What one subscription believes about its membership. */
export interface LocalMembership {
  readonly memberId: string | null;
  readonly topic: string;
  readonly assigned: ReadonlyArray<number>;
  /** epoch ms of the last group join (0 = never) */
  readonly joinedAt: number;
}

/** The coordinator's view of one group. */
export interface BrokerGroupView {
  readonly groupId: string;
  /** classic group state: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead */
  readonly state: string;
  readonly members: ReadonlyArray<{ readonly memberId: string; readonly clientId: string; readonly assignment: Readonly<Record<string, number[]>> }>;
}

export type MembershipVerdict =
  | { readonly kind: 'ok' }
  /** a rebalance is under way, or the member learned something after the view was taken: ask again later */
  | { readonly kind: 'unsettled'; readonly reason: string }
  | { readonly kind: 'stale'; readonly reason: string };

export function brokerGroupView(d: GroupDescription): BrokerGroupView {
  return {
    groupId: d.groupId,
    state: d.state,
    members: d.members.map((m) => {
      let assignment: Record<string, number[]> = {};
      try {
        assignment = (m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment : undefined) ?? {};
      } catch {
        // an assignment this client cannot read (another assigner): compare membership only
      }
      return { memberId: m.memberId, clientId: m.clientId, assignment };
    }),
  };
}

function samePartitions(a: ReadonlyArray<number>, b: ReadonlyArray<number>): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  return x.every((p, i) => p === y[i]);
}

/**
 * Judge a member against the coordinator's view taken at `viewTakenAt`
 * (epoch ms, when the request was sent). Conclusive are a Stable group (its
 * members and assignments are settled) and an Empty or Dead one (no members at
 * all); during a rebalance every member's assignment is in flux.
 */
export function judgeMembership(local: LocalMembership, view: BrokerGroupView, viewTakenAt: number): MembershipVerdict {
  if (local.memberId === null || local.assigned.length === 0) return { kind: 'ok' }; // claims nothing
  if (local.joinedAt >= viewTakenAt) return { kind: 'unsettled', reason: 'joined after the view was taken' };
  // a group without members: the coordinator expired or removed this one (e.g. its session ran out)
  if (view.state === 'Empty' || view.state === 'Dead') return { kind: 'stale', reason: `the group is ${view.state}: member ${local.memberId} is not in it` };
  if (view.state !== 'Stable') return { kind: 'unsettled', reason: `group is ${view.state}` };
  const me = view.members.find((m) => m.memberId === local.memberId);
  if (!me) {
    return { kind: 'stale', reason: `member ${local.memberId} is not in the stable group (members: ${view.members.map((m) => m.memberId).join(', ') || 'none'})` };
  }
  const owned = me.assignment[local.topic] ?? [];
  if (!samePartitions(owned, local.assigned)) {
    return { kind: 'stale', reason: `the coordinator assigned [${owned.join(',')}] to member ${local.memberId}, which believes it owns [${local.assigned.join(',')}]` };
  }
  return { kind: 'ok' };
}

/**
 * Errors of a heartbeat or commit that mean "this member is not part of the
 * current generation": kafkajs rejoins when one of them reaches its runner.
 */
const MEMBERSHIP_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR_FOR_GROUP', 'FENCED_INSTANCE_ID']);

export function isMembershipError(e: unknown): boolean {
  const type = (e as { type?: unknown } | null)?.type;
  return typeof type === 'string' && MEMBERSHIP_ERRORS.has(type);
}
