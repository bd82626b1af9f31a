import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { PostFlowsFileBody, PostFlowsQuery } from './ingest.dto';

function errors<T extends object>(cls: new () => T, plain: Record<string, unknown>): string[] {
  return validateSync(plainToInstance(cls, plain), { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true })
    .flatMap((e) => Object.values(e.constraints ?? {}));
}

describe('ingest DTOs', () => {
  it('accepts a ${field} format and rejects anything else', () => {
    expect(errors(PostFlowsQuery, { format: '${version} ${srcaddr} ${dstaddr}' })).toEqual([]);
    expect(errors(PostFlowsQuery, {})).toEqual([]);
    for (const bad of ['version srcaddr', '${version}  ${srcaddr}', '${version} ', '${Version}', '${a};rm -rf']) {
      expect(errors(PostFlowsQuery, { format: bad })).toEqual([expect.stringMatching(/^format must be \$\{field\} tokens/)]);
    }
  });

  it('requires a path and nothing else', () => {
    expect(errors(PostFlowsFileBody, { path: '/data/flows.log' })).toEqual([]);
    expect(errors(PostFlowsFileBody, {})).toEqual(expect.arrayContaining(['path should not be empty', 'path must be a string']));
    expect(errors(PostFlowsFileBody, { path: 'x', recursive: true })).toEqual(['property recursive should not exist']);
  });
});
