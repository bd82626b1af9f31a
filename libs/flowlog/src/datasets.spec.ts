/**
 * Every line of the shared labelled datasets (real flows converted to v2 text
 * with an S3 header) must parse. The datasets live outside the repository.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FlowLogParser } from './parser/flow-log.parser';
import { errorTotal } from './parse-result';

const DIR = join(__dirname, '../../../../shared/datasets');
const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.vpc.log')) : [];

if (files.length === 0) {
  console.warn(`flowlog datasets spec skipped: no *.vpc.log files in ${DIR} (the shared datasets folder is absent)`);
}

(files.length ? describe : describe.skip)('shared datasets', () => {
  it.each(files)('%s: every line parses', (file) => {
    const bytes = readFileSync(join(DIR, file));
    const parser = new FlowLogParser({ source: file });
    const results = [...parser.push(bytes.subarray(0, bytes.length >> 1)), ...parser.push(bytes.subarray(bytes.length >> 1)), parser.end()];
    const errors = results.flatMap((r) => r.errors);
    expect(errors.slice(0, 5)).toEqual([]);
    const lines = bytes.toString('utf8').split('\n').filter((l) => l.length > 0).length;
    const records = results.reduce((n, r) => n + r.counts.records, 0);
    const headers = results.reduce((n, r) => n + r.counts.headers, 0);
    expect(headers).toBe(1);
    expect(records).toBe(lines - 1);
    expect(results.reduce((n, r) => n + errorTotal(r.counts), 0)).toBe(0);
  });
});
