import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createProjectGraphAsync } from '@nx/devkit';

/**
 * Proves the architecture rules still fire: a fixture that imports Nest, kafkajs,
 * an AWS SDK and an adapter library is linted as if it were part of a pure domain
 * library, and every import must be reported by @nx/enforce-module-boundaries.
 */
const root = join(__dirname, '../../..');
const fixture = readFileSync(join(__dirname, 'boundary-violation.lint-fixture.ts'), 'utf8');

interface LintMessage { ruleId: string | null; line: number; message: string }

/** ESLint runs in a child process: its flat config is ESM, which Jest's VM cannot import. */
async function boundaryErrors(asFile: string, text: string): Promise<LintMessage[]> {
  const eslintBin = join(root, 'node_modules/eslint/bin/eslint.js');
  const run = spawnSync(process.execPath, [eslintBin, '--no-ignore', '--format', 'json', '--stdin', '--stdin-filename', join(root, asFile)], {
    cwd: root, input: text, encoding: 'utf8',
  });
  if (!run.stdout) throw new Error(`eslint produced no output: ${run.stderr}`);
  const [result] = JSON.parse(run.stdout) as Array<{ messages: LintMessage[] }>;
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries');
}

describe('module boundaries', () => {
  beforeAll(async () => {
    // the rule reads the cached project graph; make sure one exists (fresh clone)
    await createProjectGraphAsync({ exitOnError: false });
  });

  it('rejects framework, SDK and adapter imports in a domain library', async () => {
    const errors = await boundaryErrors('libs/detection/src/boundary-violation.lint-fixture.ts', fixture);
    const text = errors.map((e) => `${e.line}: ${e.message}`).join('\n');
    expect(text).toMatch(/@nestjs\/common/);
    expect(text).toMatch(/kafkajs/);
    expect(text).toMatch(/@aws-sdk\/client-dynamodb/);
    expect(text).toMatch(/"type:domain" can only depend on libs tagged/);
    expect(errors.length).toBeGreaterThanOrEqual(4);
  });

  it('rejects one service scope importing another service scope', async () => {
    const errors = await boundaryErrors('libs/services/api/src/x.lint-fixture.ts', "import { DetectionEngine } from '@flowguard/detection';\nexport const x = DetectionEngine;\n");
    expect(errors.map((e) => e.message).join('\n')).toMatch(/scope:api/);
  });

  it('accepts the same imports in an adapter-level service library (the rule is not vacuous)', async () => {
    const errors = await boundaryErrors('libs/kafka/src/x.lint-fixture.ts', "import { Kafka } from 'kafkajs';\nimport { Topics } from '@flowguard/contracts';\nexport const x = [Kafka, Topics];\n");
    expect(errors).toEqual([]);
  });
});
