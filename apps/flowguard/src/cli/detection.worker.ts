/**
 * Worker-thread entry of a threaded `flowguard analyze`: one DetectionLane per
 * worker (workerData: LaneInit). Acknowledges every batch (the main thread keeps a
 * few in flight) and answers `finish` with the role's anomalies.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DetectionLane } from './detection.lane';
import { fromBatchMessage, type FromLane, type LaneInit, type ToLane } from './lane.protocol';
import { loadThreatIntel } from './threat-intel.loader';

const port = parentPort;
if (!port) throw new Error('detection.worker.ts runs only as a worker thread');
const init = workerData as LaneInit;
const lane = new DetectionLane(init, loadThreatIntel(init.intelFiles));
const send = (m: FromLane) => port.postMessage(m);

port.on('message', (m: ToLane) => {
  try {
    if (m.kind === 'batch') {
      lane.feed(fromBatchMessage(m));
      send({ kind: 'ack' });
    } else {
      send({ kind: 'done', ...lane.finish() });
      port.close();
    }
  } catch (e) {
    const err = e as Error;
    send({ kind: 'error', message: err.message, ...(err.stack ? { stack: err.stack } : {}) });
    port.close();
  }
});
