import { compileFormat } from '../format/flow-log-format';
import { buildPlan } from './field-plan';
import { compileLineParser, lineParserSource } from './line-parser.codegen';
import { parseFlowLogText } from './flow-log.parser';

describe('generated line parser', () => {
  it('never puts field names or any format text into the generated source', () => {
    // a syntactically valid (unknown) field name that would be harmful if it reached the code
    const format = compileFormat('${srcaddr} ${x-constructor-process-exit} ${zz-require}');
    const source = lineParserSource(buildPlan(format));
    for (const name of format.names) expect(source).not.toContain(name);
    expect(source).not.toMatch(/require|process|constructor/);
    const r = parseFlowLogText('10.0.0.1 a b', { format: format.format });
    expect(r.batch.textValue('x-constructor-process-exit', 0)).toBe('a');
  });

  it('compiles once per plan', () => {
    const plan = buildPlan(compileFormat('${srcaddr} ${dstport}'));
    expect(compileLineParser(plan)).toBe(compileLineParser(plan));
  });

  it('specialises each field: no per-field dispatch in the loop', () => {
    const source = lineParserSource(buildPlan(compileFormat('${srcport} ${action} ${vpc-id}')));
    expect(source).not.toMatch(/switch \(/);
    expect(source).toContain('v > 65535');
    expect(source).toContain('c_action[row] = 1');
  });
});
