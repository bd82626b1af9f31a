// Starts s3rver on loopback with the project's local credentials registered next to s3rver's
// built-in S3RVER/S3RVER key pair: s3rver rejects every other access key id with
// InvalidAccessKeyId, and all other local servers accept flowguardlocal/flowguardlocal.
// Must run with --openssl-legacy-provider (see docs/servers.md).
// Usage: node --openssl-legacy-provider s3rver-server.cjs <port> <directory>
'use strict';
const S3rver = require('s3rver');
// not a public API, but the only way to add a key pair in s3rver 3.7.1 (pinned in package.json)
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');

DUMMY_ACCOUNT.createKeyPair('flowguardlocal', 'flowguardlocal');

const port = Number(process.argv[2] ?? 14568);
const directory = process.argv[3];
if (!directory) {
  console.error('usage: s3rver-server.cjs <port> <directory>');
  process.exit(2);
}
const server = new S3rver({ address: '127.0.0.1', port, directory, silent: false });
server.run().then(
  (address) => console.log(`s3rver listening on http://${address.address}:${address.port}`),
  (err) => {
    console.error(`s3rver failed: ${err.message}`);
    process.exit(1);
  },
);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close().then(() => process.exit(0)));
