/**
 * hyparquet-writer's byte writer, streaming to a {@link SinkFile}: the Parquet
 * writer calls `flush()` after every row group, so memory holds one encoded
 * row group at a time, not the whole file. `offset` counts every byte written.
 */
import { ByteWriter } from 'hyparquet-writer';
import type { SinkFile } from '../sinks/object-sink.port';

export class SinkByteWriter extends ByteWriter {
  constructor(private readonly file: SinkFile) {
    // grows by doubling to one encoded row group; most open files are small
    super(1 << 16);
  }

  /** bytes handed to the sink so far (the rest sit in the buffer) */
  flushed = 0;

  flush(): Promise<void> {
    if (this.index === 0) return Promise.resolve();
    // the sink either writes before resolving (local) or copies (S3), so the buffer can be reused
    const chunk = new Uint8Array(this.buffer, 0, this.index);
    this.flushed += this.index;
    this.index = 0;
    return this.file.write(chunk);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}
