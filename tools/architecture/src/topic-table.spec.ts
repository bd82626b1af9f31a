import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allTopics } from '@flowguard/contracts';
import { renderTopicTable, withTopicTable } from './topic-table';

describe('ARCHITECTURE.md topic table', () => {
  it('lists every registry topic', () => {
    const table = renderTopicTable();
    for (const t of allTopics()) expect(table).toContain(`\`${t.name}\``);
  });

  it('is in sync with the registry (run `npm run docs:topics` after changing topics)', () => {
    const doc = readFileSync(join(__dirname, '../../../ARCHITECTURE.md'), 'utf8');
    expect(withTopicTable(doc)).toBe(doc);
  });
});
