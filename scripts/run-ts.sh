#!/usr/bin/env bash
# Run a TypeScript entry point of this repository without a build step:
# ts-node transpiles (no type check; `npm run typecheck` does that) and
# tsconfig-paths resolves the @flowguard/* aliases.
here="$(cd "$(dirname "$0")/.." && pwd)"
export TS_NODE_PROJECT="$here/tsconfig.runtime.json"
exec node -r ts-node/register -r tsconfig-paths/register "$@"
