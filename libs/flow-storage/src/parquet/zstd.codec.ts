/**
 * ZSTD for hyparquet-writer (compress) and hyparquet (decompress), which take
 * codecs as plain synchronous functions; the writer ships only Snappy. Node
 * 20's zlib has no zstd, so this uses the zstd library compiled to
 * WebAssembly (@bokuweb/zstd-wasm): no native build at install time, the same
 * format as libzstd. One module serves both directions, so reading our files
 * needs no other (ESM-only) decompressor package. See ADR 0015.
 */
import { compress, decompress, init } from '@bokuweb/zstd-wasm';

let ready: Promise<void> | undefined;

/** Load the WebAssembly module once per process. */
export function initZstd(): Promise<void> {
  ready ??= init().catch((e: unknown) => {
    ready = undefined;
    throw e;
  });
  return ready;
}

/** A synchronous ZSTD compressor; {@link initZstd} must have resolved first. */
export function zstdCompressor(level = 3): (input: Uint8Array) => Uint8Array {
  return (input) => compress(input, level);
}

/** hyparquet decompressor: the page header gives the exact output size. */
export function zstdDecompress(input: Uint8Array, outputLength: number): Uint8Array {
  return decompress(input, { defaultHeapSize: Math.max(outputLength, 1) });
}
