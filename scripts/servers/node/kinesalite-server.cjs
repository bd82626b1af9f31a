// Starts kinesalite bound to loopback (its CLI listens on every interface and has no host
// option). Stream state transitions are shortened from 500 ms so tests that wait for ACTIVE
// are fast; the shard limit is raised because test suites create many small streams.
// Usage: node kinesalite-server.cjs <port>
'use strict';
const kinesalite = require('kinesalite');

const port = Number(process.argv[2] ?? 14567);
const server = kinesalite({ createStreamMs: 50, deleteStreamMs: 50, updateStreamMs: 50, shardLimit: 1000 });
server.listen(port, '127.0.0.1', () => {
  console.log(`kinesalite listening on http://127.0.0.1:${port}`);
});
server.on('error', (err) => {
  console.error(`kinesalite failed: ${err.message}`);
  process.exit(1);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
