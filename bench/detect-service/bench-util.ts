/** Helpers of the detect-service bench beyond the shared ones in bench/common. */
export { fmt, machineLine, percentile, printTable } from '../common/bench-report';

export const mib = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 1024 / 1024).toFixed(0) : 'n/a');

/** Peak RSS of this process so far (bytes). */
export const peakRss = () => process.resourceUsage().maxRSS * 1024;

