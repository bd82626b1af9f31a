import { assignByTopic } from './topic-aware.assigner';

const parts = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('assignByTopic', () => {
  it('gives a topic\'s partitions only to members subscribed to it', () => {
    const out = assignByTopic(
      [
        { memberId: 'b', topics: ['anomalies'] },
        { memberId: 'a', topics: ['classifications'] },
      ],
      (t) => (t === 'anomalies' ? parts(3) : parts(3)),
    );
    expect(out.get('a')).toEqual({ classifications: [0, 1, 2] });
    expect(out.get('b')).toEqual({ anomalies: [0, 1, 2] });
  });

  it('splits one topic over its subscribers and covers every partition once', () => {
    const out = assignByTopic(
      [
        { memberId: 'm2', topics: ['t'] },
        { memberId: 'm1', topics: ['t'] },
      ],
      () => parts(6),
    );
    const a = out.get('m1')?.['t'] ?? [];
    const b = out.get('m2')?.['t'] ?? [];
    expect(a.length).toBe(3);
    expect(b.length).toBe(3);
    expect([...a, ...b].sort()).toEqual(parts(6));
  });

  it('rotates single-partition topics over the members', () => {
    const out = assignByTopic(
      [
        { memberId: 'x', topics: ['d1', 'd2', 'd3', 'd4'] },
        { memberId: 'y', topics: ['d1', 'd2', 'd3', 'd4'] },
      ],
      () => parts(1),
    );
    expect(Object.keys(out.get('x') ?? {}).length).toBe(2);
    expect(Object.keys(out.get('y') ?? {}).length).toBe(2);
  });

  it('returns an empty assignment for a member with no topics', () => {
    const out = assignByTopic([{ memberId: 'idle', topics: [] }, { memberId: 'busy', topics: ['t'] }], () => parts(2));
    expect(out.get('idle')).toEqual({});
    expect(out.get('busy')).toEqual({ t: [0, 1] });
  });
});
