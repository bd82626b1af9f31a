/** Narrow SDK errors by name: the classes differ between client instances and bundles. */
export function errorName(e: unknown): string {
  return typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '';
}

export const isConditionalCheckFailed = (e: unknown): boolean => errorName(e) === 'ConditionalCheckFailedException';

export const isTransactionCanceled = (e: unknown): boolean => errorName(e) === 'TransactionCanceledException';

/** Per-action reason codes of a cancelled transaction ('None', 'ConditionalCheckFailed', 'TransactionConflict', ...). */
export function cancellationCodes(e: unknown): string[] {
  const reasons = (e as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
  return Array.isArray(reasons) ? reasons.map((r) => r.Code ?? 'None') : [];
}

/** DynamoDB rejects an ExclusiveStartKey that does not fit the index with a ValidationException. */
export const isValidationError = (e: unknown): boolean => errorName(e) === 'ValidationException';
