import { allTopics } from '@flowguard/contracts';

export const TABLE_BEGIN = '<!-- topic-table:begin -->';
export const TABLE_END = '<!-- topic-table:end -->';

/** The Markdown topic table of ARCHITECTURE.md, rendered from the registry. */
export function renderTopicTable(): string {
  const rows = allTopics().map(
    (t) => `| \`${t.name}\` | ${t.codec.contentType === 'application/json' ? 'JSON (class-validator)' : 'binary flow batch'} | ${t.keyDoc} | ${t.partitions} | ${t.description} |`,
  );
  return [TABLE_BEGIN, '_Generated from `libs/contracts/src/topics/registry.ts` by `npm run docs:topics`; a spec fails when it is stale._', '', '| topic | encoding | key | partitions | carries |', '|---|---|---|---|---|', ...rows, TABLE_END].join('\n');
}

/** Replace the table between the markers of a document. */
export function withTopicTable(doc: string): string {
  const a = doc.indexOf(TABLE_BEGIN);
  const b = doc.indexOf(TABLE_END);
  if (a < 0 || b < a) throw new Error('topic-table markers not found');
  return doc.slice(0, a) + renderTopicTable() + doc.slice(b + TABLE_END.length);
}
