import { FIELD_SPECS, FieldKind, fieldNameFromParquetColumn, fieldSpec, knownField, parquetColumnName } from '../fields/field-registry';
import { DEFAULT_FORMAT, FormatError, compileFields, compileFormat, parseHeaderLine } from './flow-log-format';
import { formatHeaderLine } from './flow-log.writer';

describe('field registry', () => {
  it('covers versions 2-11 and the Transit Gateway fields, each with a type', () => {
    const names = FIELD_SPECS.map((f) => f.name);
    for (const n of [
      'version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status',
      'vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr', 'region', 'az-id', 'sublocation-type', 'sublocation-id',
      'pkt-src-aws-service', 'pkt-dst-aws-service', 'flow-direction', 'traffic-path', 'ecs-cluster-arn', 'ecs-cluster-name', 'ecs-container-instance-arn',
      'ecs-container-instance-id', 'ecs-container-id', 'ecs-second-container-id', 'ecs-service-name', 'ecs-task-definition-arn', 'ecs-task-arn', 'ecs-task-id',
      'reject-reason', 'resource-id', 'encryption-status', 'instance-tag', 'instance-tag-2', 'interface-tag', 'interface-tag-2', 'asg-tag', 'asg-tag-2',
      'interface-type', 'next-hop-interface-id', 'next-hop-subnet-id', 'next-hop-az-id', 'next-hop-vpc-id', 'next-hop-interface-type',
      'resource-type', 'tgw-id', 'tgw-attachment-id', 'packets-lost-no-route', 'packets-lost-mtu-exceeded',
    ]) {
      expect(names).toContain(n);
    }
    expect(new Set(names).size).toBe(names.length);
    for (const f of FIELD_SPECS) {
      expect(f.version).toBeGreaterThanOrEqual(2);
      expect(f.version).toBeLessThanOrEqual(11);
      expect(['INT_32', 'INT_64', 'STRING']).toContain(f.parquetType);
      if (f.kind === FieldKind.INT || f.kind === FieldKind.TEXT_INT) expect(f.max).toBeGreaterThan(f.min ?? -1);
    }
  });

  it('types the core fields as A2 says', () => {
    expect(knownField('srcport')).toMatchObject({ parquetType: 'INT_32', min: 0, max: 65535, column: 'srcPort' });
    expect(knownField('protocol')).toMatchObject({ max: 255 });
    expect(knownField('bytes')).toMatchObject({ parquetType: 'INT_64', max: Number.MAX_SAFE_INTEGER });
    expect(knownField('pkt-srcaddr')?.kind).toBe(FieldKind.TEXT_ADDR);
    expect(knownField('ecs-task-id')?.version).toBe(7);
    expect(knownField('next-hop-vpc-id')?.version).toBe(11);
  });

  it('keeps unknown names as text fields and maps Parquet underscores', () => {
    expect(fieldSpec('some-new-field')).toMatchObject({ kind: FieldKind.TEXT, unknown: true, version: 0 });
    expect(fieldNameFromParquetColumn('pkt_src_aws_service')).toBe('pkt-src-aws-service');
    expect(parquetColumnName('log-status')).toBe('log_status');
  });
});

describe('compileFormat', () => {
  it('compiles the default format', () => {
    const f = compileFormat(DEFAULT_FORMAT);
    expect(f.names).toHaveLength(14);
    expect(f.version).toBe(2);
    expect(f.format).toBe(DEFAULT_FORMAT);
    expect(formatHeaderLine(f)).toBe(f.names.join(' '));
  });

  it('reports the highest field version and unknown fields', () => {
    const f = compileFormat('${srcaddr} ${ecs-task-id} ${next-hop-az-id} ${my-field}');
    expect(f.version).toBe(11);
    expect(f.unknownFields).toEqual(['my-field']);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['version account-id', /bad format token "version"/],
    ['${version} ${account-id', /bad format token "\$\{account-id"/],
    ['${}', /bad format token/],
    ['${Version}', /bad field name "Version"/],
    ['${src addr}', /bad format token/],
    ['${srcaddr} ${srcaddr}', /appears twice/],
    ['${log_status} ${log-status}', /appears twice/],
  ])('rejects %j with a clear error', (format, message) => {
    expect(() => compileFormat(format)).toThrow(FormatError);
    expect(() => compileFormat(format)).toThrow(message);
  });

  it('rejects a non-string format', () => {
    expect(() => compileFormat(undefined as unknown as string)).toThrow(FormatError);
  });

  it('compiles header names, mapping underscores', () => {
    expect(compileFields(['log_status', 'srcaddr']).names).toEqual(['log-status', 'srcaddr']);
    expect(() => compileFields([])).toThrow(/no fields/);
  });
});

describe('parseHeaderLine', () => {
  it.each([
    ['version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status', 14],
    ['srcaddr dstaddr\r\n', 2],
    ['\ufeffversion srcaddr', 2],
    ['vpc-id future-thing', 2],
  ])('recognises %j', (line, n) => {
    expect(parseHeaderLine(line)).toHaveLength(n);
  });

  it.each([
    ['2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK'],
    ['vpc-1 subnet-2 us-east-1'],
    ['srcaddr  dstaddr'],
    ['srcaddr srcaddr'],
    [''],
    ['Version srcaddr'],
  ])('rejects %j', (line) => {
    expect(parseHeaderLine(line)).toBeNull();
  });
});
