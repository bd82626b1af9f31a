import { parseS3EventMessage } from './s3-event.parser';

const record = (key: string, eventName = 'ObjectCreated:Put') => ({
  eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: 'eu-west-1', eventTime: '2024-03-05T14:20:00.000Z', eventName,
  s3: { s3SchemaVersion: '1.0', bucket: { name: 'flow-bucket', arn: 'arn:aws:s3:::flow-bucket' }, object: { key, size: 1234, eTag: 'abc', sequencer: '0065E7' } },
});

describe('parseS3EventMessage', () => {
  it('reads created objects and URL-decodes keys', () => {
    const r = parseS3EventMessage(JSON.stringify({ Records: [record('AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/03/05/a+b%3Dc.log.gz'), record('x', 'ObjectRemoved:Delete')] }));
    expect(r).toEqual({ ok: true, testEvent: false, ignored: 1, objects: [{
      bucket: 'flow-bucket', key: 'AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/03/05/a b=c.log.gz', eventName: 'ObjectCreated:Put', size: 1234, eTag: 'abc', sequencer: '0065E7',
    }] });
  });

  it('unwraps SNS envelopes and recognises the test event', () => {
    const sns = { Type: 'Notification', MessageId: '1', TopicArn: 'arn:aws:sns:eu-west-1:1:t', Message: JSON.stringify({ Records: [record('k.log.gz')] }) };
    expect(parseS3EventMessage(JSON.stringify(sns))).toMatchObject({ ok: true, objects: [{ key: 'k.log.gz' }] });
    expect(parseS3EventMessage(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'flow-bucket' }))).toEqual({ ok: true, objects: [], testEvent: true, ignored: 0 });
  });

  it('reads EventBridge Object Created events', () => {
    const ev = { 'detail-type': 'Object Created', source: 'aws.s3', detail: { bucket: { name: 'b' }, object: { key: 'k.log.gz', size: 5, etag: 'e' } } };
    expect(parseS3EventMessage(JSON.stringify(ev))).toMatchObject({ ok: true, objects: [{ bucket: 'b', key: 'k.log.gz', eTag: 'e', size: 5 }] });
  });

  it('explains malformed messages without throwing', () => {
    expect(parseS3EventMessage('{')).toMatchObject({ ok: false, error: expect.stringMatching(/not JSON/) });
    expect(parseS3EventMessage('{"foo":1}')).toMatchObject({ ok: false, error: expect.stringMatching(/Records/) });
    expect(parseS3EventMessage(JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put' }] }))).toMatchObject({ ok: false });
    expect(parseS3EventMessage(JSON.stringify({ Records: [record('%E0%A4%A')] }))).toMatchObject({ ok: false, error: expect.stringMatching(/URL/) });
    expect(parseS3EventMessage(JSON.stringify({ Type: 'Notification', Message: '{x' }))).toMatchObject({ ok: false });
  });
});
