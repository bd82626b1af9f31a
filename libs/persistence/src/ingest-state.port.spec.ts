import { checkpointOrderKey, isCheckpointConflict, CheckpointConflictError, SHARD_END_CHECKPOINT } from './ingest-state.port';

describe('checkpointOrderKey', () => {
  it('orders Kinesis sequence numbers numerically as strings, SHARD_END last', () => {
    const seqs = ['0', '9', '10', '99', '100', '49590338271490256608559692538361571095921575989136588898', '1'.repeat(129)];
    const keys = seqs.map(checkpointOrderKey);
    expect([...keys].sort()).toEqual(keys);
    expect(checkpointOrderKey(SHARD_END_CHECKPOINT) > keys[keys.length - 1]!).toBe(true);
  });

  it('refuses what is not a sequence number (a typo would otherwise sort anywhere)', () => {
    for (const bad of ['', '-1', '01', '1.5', 'abc', '1'.repeat(130)]) expect(() => checkpointOrderKey(bad)).toThrow(/not a Kinesis sequence number/);
  });

  it('recognises conflicts by code', () => {
    expect(isCheckpointConflict(new CheckpointConflictError('lease_lost', 's', 'h', 'held by b'))).toBe(true);
    expect(isCheckpointConflict(new Error('x'))).toBe(false);
  });
});
