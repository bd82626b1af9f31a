/**
 * Deterministic anomaly ids: detector + 64-bit FNV-1a of the entity key +
 * episode start (event seconds). Re-processing the same flows yields the same
 * ids, so downstream stores upsert instead of duplicating.
 */
export function fnv1a64Hex(text: string): string {
  // two independent 32-bit FNV-1a lanes (different offsets) ≈ a 64-bit hash without BigInt
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h2 >>> 7);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

export function anomalyIdOf(detector: string, entity: string, episodeStart: number): string {
  return `${detector}.${fnv1a64Hex(entity)}.${episodeStart}`;
}

/** 32-bit FNV-1a of a string (partitioning). */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
