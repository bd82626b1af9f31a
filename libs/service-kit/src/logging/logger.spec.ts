import { Writable } from 'node:stream';
import { createLogger, PinoNestLogger } from './logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('writes JSON lines with the service name and level label', () => {
    const { lines, destination } = capture();
    createLogger({ service: 'detect', level: 'info', destination }).info({ rows: 3 }, 'processed');
    expect(lines[0]).toMatchObject({ service: 'detect', level: 'info', rows: 3, msg: 'processed' });
    expect(typeof lines[0]?.['time']).toBe('string');
  });

  it('redacts auth headers, firehose keys, passwords, secrets and tokens', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'svc', level: 'info', destination });
    log.info({
      req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1', 'x-amz-firehose-access-key': 'k', host: 'h' } },
      db: { password: 'p', user: 'u' },
      kafka: { sasl: { password: 'p2' }, saslSecret: 's' },
      apiToken: 't', FLOWGUARD_API_TOKEN: 'x', config: { refreshToken: 'r', xApiKey: 'k2' },
    }, 'request');
    const text = JSON.stringify(lines[0]);
    for (const secret of ['Bearer abc', 'sid=1', '"k"', '"p"', '"p2"', '"s"', '"t"', '"x"', '"r"', '"k2"']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ req: { headers: { host: 'h' } }, db: { user: 'u' } });
  });

  it('adapts Nest log calls: context, errors, levels', () => {
    const { lines, destination } = capture();
    const nest = new PinoNestLogger(createLogger({ service: 's', level: 'trace', destination }));
    nest.log('Mapped {/v1/flows, POST} route', 'RouterExplorer');
    nest.error('boom', 'Error: boom\n    at x (y.ts:1:1)', 'ExceptionsHandler');
    nest.verbose('fine detail');
    expect(lines[0]).toMatchObject({ level: 'info', context: 'RouterExplorer', msg: 'Mapped {/v1/flows, POST} route' });
    expect(lines[1]).toMatchObject({ level: 'error', context: 'ExceptionsHandler', msg: 'boom' });
    expect(String(lines[1]?.['stack'])).toContain('at x');
    expect(lines[2]).toMatchObject({ level: 'trace', msg: 'fine detail' });
  });
});
