#!/usr/bin/env node
// Real local servers for development and integration tests (no Docker needed):
// Kafka (KRaft), DynamoDB Local, OpenSearch, kinesalite, s3rver and moto (EC2).
//
//   node scripts/servers/servers.mjs up [names...]      download on first use, start, health-check
//   node scripts/servers/servers.mjs down [names...]    stop what `up` started (process groups)
//   node scripts/servers/servers.mjs status [names...]  what runs, whether it answers, memory
//   node scripts/servers/servers.mjs env [names...]     `export VAR=...` lines for a shell
//   node scripts/servers/servers.mjs clean [names...]   delete data directories (servers stopped)
//
// Names: kafka, dynamodb, opensearch, kinesis, s3, ec2 (default: all). See docs/servers.md.
import { rmSync } from 'node:fs';
import { selectServers } from './lib/catalog.mjs';
import { LOCAL_AWS_ENV, down, status, up } from './lib/manager.mjs';
import { rel } from './lib/paths.mjs';

const [command, ...names] = process.argv.slice(2);

function printStatus(rows) {
  for (const r of rows) {
    const details = [
      r.pid ? `pid ${r.pid}` : null,
      r.container ? `container ${r.container.slice(0, 12)}` : null,
      r.rssMiB != null ? `${r.rssMiB} MiB RSS` : null,
      r.uptimeS != null ? `up ${r.uptimeS} s` : null,
      r.ownedBy ? `owner ${r.ownedBy}` : null,
      r.owner ? `held by ${r.owner}` : null,
      r.state === 'external' ? `from ${r.envVar}` : null,
      r.state === 'dead' ? `see ${r.log}` : null,
    ].filter(Boolean);
    const health = r.state === 'stopped' ? '' : r.healthy ? 'healthy' : 'NOT ANSWERING';
    console.log(`${r.name.padEnd(11)}${r.state.padEnd(9)}${r.endpoint.padEnd(25)}${health.padEnd(15)}${details.join(', ')}`);
  }
}

async function main() {
  switch (command) {
    case 'up': {
      const { errors, totalMs } = await up(names);
      console.log(`${errors.length === 0 ? 'all ready' : `${errors.length} failed`} in ${(totalMs / 1000).toFixed(1)} s`);
      for (const err of errors) console.error(`\n${err instanceof Error ? err.message : err}`);
      return errors.length === 0 ? 0 : 1;
    }
    case 'down':
      await down(names);
      return 0;
    case 'status': {
      const rows = await status(names);
      printStatus(rows);
      return rows.every((r) => r.healthy) ? 0 : 3;
    }
    case 'env': {
      for (const r of await status(names)) if (r.healthy) console.log(`export ${r.envVar}=${r.endpoint}`);
      for (const [k, v] of Object.entries(LOCAL_AWS_ENV)) if (!process.env[k]) console.log(`export ${k}=${v}`);
      return 0;
    }
    case 'clean': {
      const running = (await status(names)).filter((r) => r.state === 'running');
      if (running.length > 0) {
        console.error(`stop these first (npm run servers:down): ${running.map((r) => r.name).join(', ')}`);
        return 1;
      }
      for (const def of selectServers(names)) {
        for (const dir of def.dataDirs) {
          rmSync(dir, { recursive: true, force: true });
          console.log(`removed ${rel(dir)}`);
        }
      }
      return 0;
    }
    default:
      console.error('usage: servers.mjs up|down|status|env|clean [kafka dynamodb opensearch kinesis s3 ec2]');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
