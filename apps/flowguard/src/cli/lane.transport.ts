import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DetectionLane } from './detection.lane';
import { fromBatchMessage, type FromLane, type LaneInit, type ToLane } from './lane.protocol';
import { loadThreatIntel } from './threat-intel.loader';

/** How the main thread talks to one detection lane. */
export interface LaneTransport {
  post(message: ToLane, transfer: ArrayBuffer[]): void;
  /** every message of the lane, in order; `error` on a crash or an early exit */
  listen(onMessage: (m: FromLane) => void, onError: (e: Error) => void): void;
  close(): Promise<void>;
}

export type LaneFactory = (init: LaneInit) => LaneTransport;

/**
 * A lane in a worker thread. From the compiled CLI (dist/, see docs/cli.md) the worker is
 * detection.worker.js; when this file runs as TypeScript (scripts/run-ts.sh, jest) the
 * worker is the .ts file with ts-node registered, which costs the worker a few seconds
 * of transpilation at start-up.
 */
export const workerLane: LaneFactory = (init) => {
  const ts = __filename.endsWith('.ts');
  const root = join(__dirname, '..', '..', '..', '..');
  const worker = new Worker(join(__dirname, `detection.worker.${ts ? 'ts' : 'js'}`), {
    workerData: init,
    ...(ts ? {
      execArgv: ['-r', require.resolve('ts-node/register'), '-r', require.resolve('tsconfig-paths/register')],
      env: { ...process.env, TS_NODE_PROJECT: process.env['TS_NODE_PROJECT'] ?? join(root, 'tsconfig.runtime.json') },
    } : {}),
  });
  let finished = false;
  return {
    post: (m, transfer) => worker.postMessage(m, transfer),
    listen(onMessage, onError) {
      worker.on('message', (m: FromLane) => {
        if (m.kind === 'done') finished = true;
        onMessage(m);
      });
      worker.on('error', (e) => onError(e));
      worker.on('exit', (code) => {
        if (!finished) onError(new Error(`detection worker (${init.role}) exited with code ${code} before finishing`));
      });
    },
    close: async () => {
      finished = true;
      await worker.terminate();
    },
  };
};

/**
 * The same lane and the same messages (structured clone with transfer, asynchronous
 * delivery) without a thread: the specs use it to check the threaded run quickly.
 */
export const inProcessLane: LaneFactory = (init) => {
  const lane = new DetectionLane(init, loadThreatIntel(init.intelFiles));
  let deliver: (m: FromLane) => void = () => undefined;
  let fail: (e: Error) => void = () => undefined;
  let closed = false;
  return {
    post(message, transfer) {
      const m = structuredClone(message, { transfer });
      setImmediate(() => {
        if (closed) return;
        try {
          if (m.kind === 'batch') {
            lane.feed(fromBatchMessage(m));
            deliver({ kind: 'ack' });
          } else deliver(structuredClone({ kind: 'done' as const, ...lane.finish() }));
        } catch (e) {
          fail(e as Error);
        }
      });
    },
    listen(onMessage, onError) {
      deliver = onMessage;
      fail = onError;
    },
    close: async () => {
      closed = true;
    },
  };
};
