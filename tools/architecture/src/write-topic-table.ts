// `npm run docs:topics`: regenerate the topic table in ARCHITECTURE.md from the registry.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withTopicTable } from './topic-table';

const file = join(__dirname, '../../../ARCHITECTURE.md');
writeFileSync(file, withTopicTable(readFileSync(file, 'utf8')));
console.log(`updated ${file}`);
