/** Counters of the Parquet writer (read with `metrics()`; export them as the service likes). */
export interface ParquetWriterMetrics {
  rowsReceived: number;
  rowsCommitted: number;
  filesCommitted: number;
  bytesCommitted: number;
  rowGroupsWritten: number;
  /** row groups encoded before reaching rowGroupRows because maxBufferedRows was hit */
  earlyRowGroups: number;
  rolls: { size: number; age: number; schema: number; evicted: number; flush: number };
  /** rows with neither start nor end, filed under their arrival hour */
  rowsWithoutTime: number;
  /** batch text fields that cannot be columns (collide with a core column name) */
  skippedFields: number;
  failedFiles: number;
  rowsLost: number;
  flushes: number;
  lastFlushMs: number;
  maxFlushMs: number;
  /** footer + commit time of the last closed file */
  lastCommitMs: number;
  openFiles: number;
  rowsBuffered: number;
}

export function emptyParquetWriterMetrics(): ParquetWriterMetrics {
  return {
    rowsReceived: 0, rowsCommitted: 0, filesCommitted: 0, bytesCommitted: 0, rowGroupsWritten: 0, earlyRowGroups: 0,
    rolls: { size: 0, age: 0, schema: 0, evicted: 0, flush: 0 },
    rowsWithoutTime: 0, skippedFields: 0, failedFiles: 0, rowsLost: 0,
    flushes: 0, lastFlushMs: 0, maxFlushMs: 0, lastCommitMs: 0, openFiles: 0, rowsBuffered: 0,
  };
}
