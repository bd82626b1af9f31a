import { InvalidCursorError } from './repositories.port';

/**
 * Cursors are base64url JSON: opaque to callers, cheap to produce, and the
 * same shape for the embedded store and DynamoDB (where the payload is the
 * LastEvaluatedKey). Nothing secret is in them; a forged cursor only moves the
 * start of a query the caller could run anyway.
 */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Decodes a cursor and checks its shape with `isValid`; InvalidCursorError otherwise. */
export function decodeCursor<T>(cursor: string, isValid: (v: unknown) => v is T): T {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!isValid(parsed)) throw new InvalidCursorError();
  return parsed;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
