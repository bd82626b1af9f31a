import type { DetectorRow, EvalReport } from './anomaly-matcher';

/** The targets the project holds detectors to (docs/simulator-and-eval.md). */
export const TARGETS = { recall: 0.95, fpEntityRate: 0.01 } as const;

const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);
const ratio = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));

/** Verdict of one row against the targets: recall only where events exist. */
export function rowVerdict(r: DetectorRow): 'ok' | 'below target' | '-' {
  const recallOk = r.recall === null || r.recall >= TARGETS.recall;
  // the FP target holds for all benign entities and for your own (internal) ones alone
  const fpOk = (r.fpEntityRate === null || r.fpEntityRate <= TARGETS.fpEntityRate) &&
    (r.fpInternalRate === null || r.fpInternalRate <= TARGETS.fpEntityRate);
  if (r.attacks === 0 && r.anomalies === 0) return '-';
  return recallOk && fpOk ? 'ok' : 'below target';
}

/** A plain-text table of an evaluation, one row per detector plus a total. */
export function formatEvalTable(report: EvalReport, title: string, opts: { showEmpty?: boolean } = {}): string {
  const head = ['detector', 'attacks', 'TP', 'FN', 'recall', 'anomalies', 'matched', 'partial', 'related', 'noise', 'FP', 'precision', 'FP-ent', 'FP-ent rate', 'FP-int', 'FP-int rate', 'verdict'];
  const rows = report.rows.filter((r) => opts.showEmpty || r.attacks > 0 || r.anomalies > 0);
  const cells = [...rows, report.total].map((r) => [
    r.detector, String(r.attacks), String(r.tp), String(r.fn), ratio(r.recall), String(r.anomalies), String(r.matched),
    String(r.partial), String(r.related), String(r.noise), String(r.fp), ratio(r.precision), String(r.fpEntities), pct(r.fpEntityRate),
    String(r.fpInternalEntities), pct(r.fpInternalRate), rowVerdict(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join('  ');
  const out = [
    title,
    `benign entities: ${report.benignEntities} (internal ${report.benignInternalEntities}); match: ${report.mode}, tolerance ±${report.toleranceSeconds}s; ` +
      `targets: recall >= ${TARGETS.recall}, FP entities <= ${TARGETS.fpEntityRate * 100}% of benign entities`,
    line(head),
    line(head.map((_, i) => '-'.repeat(widths[i] as number))),
    ...cells.slice(0, -1).map(line),
    line(head.map((_, i) => '-'.repeat(widths[i] as number))),
    line(cells[cells.length - 1] as string[]),
  ];
  const levels = ['high', 'medium', 'low'].map((l) => {
    const of = report.attacks.filter((a) => a.level === l);
    return of.length ? `${l} ${of.filter((a) => a.detected).length}/${of.length}` : '';
  }).filter(Boolean);
  if (levels.length) out.push(`detected by intensity: ${levels.join(', ')}`);
  const missed = report.attacks.filter((a) => !a.detected);
  if (missed.length) {
    out.push(`missed (${missed.length}): ${missed.map((a) => `${a.id} [${a.level}]`).join(', ')}`);
  }
  return out.join('\n');
}
