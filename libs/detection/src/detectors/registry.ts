/**
 * Every detector the engine can run, and which part of the traffic keys its
 * state (docs/detectors.md, "Horizontal scale").
 */
import type { DetectionConfig } from '../config/detection-config';
import { BeaconingDetector } from './beaconing.detector';
import { BruteForceSlowDetector } from './brute-force-slow.detector';
import { BruteForceDetector, BruteForceTargetDetector } from './brute-force.detector';
import { CryptoMiningDetector } from './crypto-mining.detector';
import { DdosDetector } from './ddos.detector';
import type { Detector, EngineContext } from './detector';
import { ExfiltrationSlowDetector } from './exfiltration-slow.detector';
import { ExfiltrationDetector } from './exfiltration.detector';
import { makeEstablishedPairs } from './fanout';
import { LongConnectionDetector } from './long-connection.detector';
import { MaliciousIpDetector } from './malicious-ip.detector';
import { PortScanDetector } from './port-scan.detector';
import { PortSweepDetector } from './port-sweep.detector';
import { TelemetryGapDetector } from './telemetry-gap.detector';
import { TorDetector } from './tor.detector';
import { UnusualPortDetector } from './unusual-port.detector';

export function createDetectors(ctx: EngineContext): Detector[] {
  const d = ctx.config.detectors;
  const out: Detector[] = [];
  // scans and sweeps remember the same established pairs: one bank of filters, one pass per batch
  const pairs = makeEstablishedPairs(ctx);
  if (d['port-scan'].enabled) out.push(new PortScanDetector(ctx, d['port-scan'], pairs));
  if (d['port-sweep'].enabled) out.push(new PortSweepDetector(ctx, d['port-sweep'], pairs));
  if (d.ddos.enabled) out.push(new DdosDetector(ctx, d.ddos));
  if (d.beaconing.enabled || d.strobe.enabled) out.push(new BeaconingDetector(ctx, d.beaconing, d.strobe));
  if (d['long-connection'].enabled) out.push(new LongConnectionDetector(ctx, d['long-connection']));
  if (d['crypto-mining'].enabled) out.push(new CryptoMiningDetector(ctx, d['crypto-mining']));
  if (d.tor.enabled) out.push(new TorDetector(ctx, d.tor));
  if (d['brute-force'].enabled) {
    out.push(new BruteForceDetector(ctx, d['brute-force']));
    out.push(new BruteForceTargetDetector(ctx, d['brute-force']));
    out.push(new BruteForceSlowDetector(ctx, d['brute-force']));
  }
  if (d.exfiltration.enabled) {
    out.push(new ExfiltrationDetector(ctx, d.exfiltration));
    out.push(new ExfiltrationSlowDetector(ctx, d.exfiltration));
  }
  if (d['unusual-port'].enabled) out.push(new UnusualPortDetector(ctx, d['unusual-port']));
  if (d['malicious-ip'].enabled) out.push(new MaliciousIpDetector(ctx, d['malicious-ip']));
  if (d['telemetry-gap'].enabled) out.push(new TelemetryGapDetector(ctx, d['telemetry-gap']));
  return out;
}

/** The longest window any detector keeps open (flush closes everything up to it). */
export function longestWindowSec(c: DetectionConfig): number {
  const d = c.detectors;
  return Math.max(
    d['port-scan'].slowWindowSec, d['port-sweep'].slowWindowSec, d['port-scan'].longWindowSec, d['port-sweep'].longWindowSec, d.ddos.windowSec, d.beaconing.evaluateEverySec, d.strobe.windowSec,
    d['crypto-mining'].windowSec, d.tor.windowSec, d['brute-force'].windowSec, d['brute-force'].slowWindowSec, d.exfiltration.windowSec, d.exfiltration.slowWindowSec, d['unusual-port'].windowSec,
    d['malicious-ip'].windowSec, d['telemetry-gap'].windowSec, d['long-connection'].maxIdleGapSec + c.tickSec,
  );
}
