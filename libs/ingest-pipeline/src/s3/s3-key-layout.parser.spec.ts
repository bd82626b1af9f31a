import { parseFlowLogKey } from './s3-key-layout.parser';

const FILE = '123456789012_vpcflowlogs_eu-west-1_fl-0123456789abcdef0_20240305T1415Z_a1b2c3d4.log.gz';

describe('parseFlowLogKey', () => {
  it('reads the default layout with a prefix', () => {
    expect(parseFlowLogKey(`team/flows/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/03/05/${FILE}`)).toEqual({
      key: `team/flows/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/03/05/${FILE}`, prefix: 'team/flows/', layout: 'plain',
      account: '123456789012', region: 'eu-west-1', date: '2024-03-05', format: 'gzip-text',
      flowLogId: 'fl-0123456789abcdef0', windowStart: Date.UTC(2024, 2, 5, 14, 15) / 1000,
    });
  });

  it('reads hourly partitions and organisation ids', () => {
    const k = parseFlowLogKey(`AWSLogs/o-abcdef1234/123456789012/vpcflowlogs/eu-west-1/2024/03/05/14/${FILE}`);
    expect(k).toMatchObject({ prefix: '', orgId: 'o-abcdef1234', hour: '14', date: '2024-03-05', layout: 'plain' });
  });

  it('reads the Hive-compatible layout, with and without hour, and Parquet objects', () => {
    const base = 'p/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-2/year=2025/month=12/day=31';
    const parquet = '123456789012_vpcflowlogs_us-east-2_fl-1_20251231T2355Z_ff.log.parquet';
    expect(parseFlowLogKey(`${base}/${parquet}`)).toMatchObject({ layout: 'hive', region: 'us-east-2', date: '2025-12-31', format: 'parquet', prefix: 'p/' });
    expect(parseFlowLogKey(`${base}/hour=23/${parquet}`)).toMatchObject({ layout: 'hive', hour: '23' });
  });

  it('accepts other file names in a flow-log folder but takes nothing from them', () => {
    const k = parseFlowLogKey('AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/03/05/export-1.log');
    expect(k).toMatchObject({ format: 'text', account: '123456789012' });
    expect(k?.flowLogId).toBeUndefined();
  });

  it('rejects keys that are not flow-log objects or contradict themselves', () => {
    for (const key of [
      'AWSLogs/123456789012/CloudTrail/eu-west-1/2024/03/05/x.json.gz',
      'AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/03/05/',
      'AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/13/05/x.log.gz',
      'AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/03/05/25/x.log.gz',
      'AWSLogs/12345/vpcflowlogs/eu-west-1/2024/03/05/x.log.gz',
      'AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/03/05/x.zip',
      `AWSLogs/123456789013/vpcflowlogs/eu-west-1/2024/03/05/${FILE}`,
    ]) expect(parseFlowLogKey(key)).toBeUndefined();
  });
});
