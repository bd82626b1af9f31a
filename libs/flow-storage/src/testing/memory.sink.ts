/** TEST ONLY: an in-memory FlowObjectSink with fault injection. */
import { parsePartitionPath } from '../parquet/partition-path';
import type { DeleteResult, FlowObjectSink, ObjectReader, SinkFile, StoredObject } from '../sinks/object-sink.port';

export class MemorySink implements FlowObjectSink {
  readonly kind = 'memory';
  readonly objects = new Map<string, Uint8Array>();
  readonly inProgress = new Set<string>();
  /** throw from the n-th write call (1-based) */
  failWriteAt = 0;
  private writes = 0;

  async create(key: string): Promise<SinkFile> {
    const chunks: Uint8Array[] = [];
    this.inProgress.add(key);
    return {
      key,
      write: async (chunk) => {
        if (++this.writes === this.failWriteAt) throw new Error('disk full (injected)');
        chunks.push(chunk.slice());
      },
      commit: async () => {
        this.inProgress.delete(key);
        this.objects.set(key, Buffer.concat(chunks));
      },
      abort: async () => {
        this.inProgress.delete(key);
      },
    };
  }

  async list(prefix = ''): Promise<StoredObject[]> {
    return [...this.objects].filter(([k]) => k.startsWith(prefix)).map(([key, b]) => ({ key, size: b.length })).sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  async open(key: string): Promise<ObjectReader> {
    const b = this.objects.get(key);
    if (!b) throw new Error(`no such object ${key}`);
    return {
      key,
      size: b.length,
      read: async (s, e) => b.buffer.slice(b.byteOffset + s, b.byteOffset + Math.min(e, b.length)) as ArrayBuffer,
      close: async () => undefined,
    };
  }

  async deleteDatesBefore(cutoffDate: string): Promise<DeleteResult> {
    const parts = new Set<string>();
    let objects = 0;
    for (const key of [...this.objects.keys()]) {
      const p = parsePartitionPath(key);
      if (!p || p.date >= cutoffDate) continue;
      this.objects.delete(key);
      parts.add(`${p.account}/${p.region}/${p.date}`);
      objects++;
    }
    return { partitions: parts.size, objects };
  }
}
