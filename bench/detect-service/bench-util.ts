/** Small helpers of the detect-service bench: percentiles, tables, machine line. */
import { cpus, loadavg } from 'node:os';

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export const mib = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 1024 / 1024).toFixed(0) : 'n/a');
export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';

/** Peak RSS of this process so far (bytes). */
export const peakRss = () => process.resourceUsage().maxRSS * 1024;

/** Prints rows as an aligned plain-text table (also valid Markdown). */
export function printTable(title: string, header: string[], rows: Array<Array<string | number>>): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((v, c) => (c === 0 ? v.padEnd(widths[c] as number) : v.padStart(widths[c] as number))).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(`|${widths.map((w, c) => (c === 0 ? `${'-'.repeat(w + 1)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`);
  for (const r of cells.slice(1)) console.log(line(r));
}

export function machineLine(): string {
  return `node ${process.version}, ${cpus().length} CPU (${cpus()[0]?.model ?? 'unknown'}), load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`;
}
