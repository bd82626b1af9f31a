/**
 * What every detector implements, the finding it hands to aggregation, and
 * the small scoring helpers shared by all detectors (documented in
 * docs/detectors.md, "Scores, confidence and severity").
 */
import { SEVERITIES, type EvidenceRefV1, type Severity, type SignalV1 } from '@flowguard/contracts';
import type { ThreatIntelLookup } from '@flowguard/threat-intel';
import type { DetectionConfig, DetectorId } from '../config/detection-config';
import type { InternTable } from '../engine/intern-table';
import type { IpRegistry } from '../engine/ip-registry';
import type { PreparedBatch } from '../engine/prepared-batch';
import { RowFlag } from '../engine/prepared-batch';
import type { EvidenceNames } from '../state/evidence-sampler';

/** A detector's finding for one entity in one closed window, before aggregation. */
export interface Candidate {
  detector: DetectorId;
  /** stable key of the entity within the detector, built from addresses and ports (never engine ids) */
  entity: string;
  windowStart: number;
  windowEnd: number;
  firstSeen: number;
  lastSeen: number;
  severity: Severity;
  confidence: number;
  score: number;
  /** primary count behind the finding (distinct ports, bytes, beats...): escalation buckets use it */
  magnitude: number;
  actor: string | null;
  targets: string[];
  ports: number[];
  protocol?: number;
  mitre: string[];
  summary: string;
  signals: SignalV1[];
  /**
   * Sample records, or a function producing them: detectors hand over a thunk so the copy is
   * only made when aggregation emits (window state stays valid until Detector.release()).
   */
  evidence: EvidenceRefV1[] | (() => EvidenceRefV1[]);
  interfaceIds: string[];
  accountId?: string;
}

export interface EngineContext {
  readonly config: DetectionConfig;
  readonly ips: IpRegistry;
  readonly enis: InternTable;
  readonly accounts: InternTable;
  readonly ti: ThreatIntelLookup;
  readonly names: EvidenceNames;
  /** count state that could not be kept (full tables), per detector */
  evicted(detector: string, n?: number): void;
}

export interface Detector {
  readonly id: DetectorId;
  /** unique among detectors (one id can have a source- and a destination-keyed part) */
  readonly name: string;
  /** whose hash range owns this detector's state when scaled out */
  readonly keying: 'src' | 'dst';
  ingest(p: PreparedBatch): void;
  /** Close every window ending at or before `watermark` (event seconds); push findings. */
  advance(watermark: number, out: Candidate[]): void;
  /** Recycle the windows closed by the last advance() (after aggregation read their evidence). */
  release(): void;
  /** Drop long-lived state idle since before `watermark - ttl`. */
  maintain(watermark: number): void;
  /** entries currently held (for stats) */
  stateSize(): number;
  /** candidates set aside by a documented benign rule, by reason (for stats) */
  benignSkips?(): Record<string, number>;
}

export function evidenceOf(c: Candidate): EvidenceRefV1[] {
  return typeof c.evidence === 'function' ? c.evidence() : c.evidence;
}

export function raiseSeverity(base: Severity, steps: number): Severity {
  const i = Math.max(0, Math.min(SEVERITIES.length - 1, SEVERITIES.indexOf(base) + Math.trunc(steps)));
  return SEVERITIES[i] as Severity;
}

/** Whole decades above threshold (0 for 1×–9.9×): the escalation step. */
export function decades(value: number, threshold: number): number {
  return value > 0 && threshold > 0 ? Math.max(0, Math.floor(Math.log10(value / threshold) + 1e-9)) : 0;
}

/** Confidence from how far a value passed its threshold: 0.5 at the threshold, 0.75 at 2×, 0.95 at 10×. */
export function ratioConfidence(ratio: number): number {
  if (!(ratio > 0)) return 0;
  return clamp01(1 - 0.5 / ratio);
}

export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : Math.round(v * 1000) / 1000;
}

export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export type FlowDirection = 'outbound' | 'inbound' | 'internal' | 'external';

export function directionOf(flags: number): FlowDirection {
  const s = (flags & RowFlag.SRC_LOCAL) !== 0;
  const d = (flags & RowFlag.DST_LOCAL) !== 0;
  return s && !d ? 'outbound' : !s && d ? 'inbound' : s && d ? 'internal' : 'external';
}

export function signal(name: string, value: number, threshold?: number, note?: string): SignalV1 {
  return { name, value: round3(value), ...(threshold !== undefined ? { threshold } : {}), ...(note ? { note } : {}) };
}

export function windowStartOf(t: number, size: number): number {
  return t - (t % size);
}

/**
 * Hop of a hopping window: half the window, in whole half-ticks, dividing the
 * window, so bursts up to half a window long are always seen whole. The engine
 * judges lateness on half-tick boundaries (see DetectionEngine.prepare), which
 * keeps every window a record belongs to open when the record is accepted.
 */
export function hopOf(windowSec: number, tickSec: number): number {
  const unit = tickSec / 2;
  const units = windowSec / unit;
  if (!Number.isInteger(unit) || !Number.isInteger(units) || units < 2) return windowSec;
  let hop = Math.floor(units / 2);
  while (hop > 1 && units % hop !== 0) hop--;
  return hop * unit;
}
