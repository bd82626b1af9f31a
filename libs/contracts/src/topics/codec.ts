import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { decodeFlowBatch, encodeFlowBatch } from '../flows/flow-batch.codec';
import type { FlowBatch } from '../flows/flow-batch';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: 'decode_error' | 'validation_error'; error: string };

/** How a topic's messages become bytes and back. `decode` validates and never throws. */
export interface MessageCodec<T> {
  readonly contentType: string;
  encode(value: T): Buffer;
  decode(bytes: Buffer): Decoded<T>;
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out.push(`${path}: ${Object.values(e.constraints).join('; ')}`);
    if (e.children?.length) out.push(...flatten(e.children, path));
  }
  return out;
}

/** Validate a plain object against a class-validator class; returns the instance or the reasons. */
export function validateMessage<T extends object>(cls: new () => T, plain: unknown): Decoded<T> {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { ok: false, reason: 'validation_error', error: 'message is not a JSON object' };
  }
  const instance = plainToInstance(cls, plain);
  const errors = validateSync(instance, { forbidUnknownValues: true, whitelist: false });
  if (errors.length) return { ok: false, reason: 'validation_error', error: flatten(errors).slice(0, 20).join(' | ') };
  return { ok: true, value: instance };
}

/** JSON codec for control-plane messages, validated with class-validator on receipt. */
export function jsonCodec<T extends object>(cls: new () => T): MessageCodec<T> {
  return {
    contentType: 'application/json',
    encode: (value) => Buffer.from(JSON.stringify(value)),
    decode: (bytes) => {
      let plain: unknown;
      try {
        plain = JSON.parse(bytes.toString('utf8'));
      } catch (e) {
        return { ok: false, reason: 'decode_error', error: `not JSON: ${(e as Error).message}` };
      }
      return validateMessage(cls, plain);
    },
  };
}

/** Binary codec for the flow hot path: structural checks only, no per-record reflection. */
export const flowBatchCodec: MessageCodec<FlowBatch> = {
  contentType: 'application/vnd.flowguard.flow-batch.v1',
  encode: encodeFlowBatch,
  decode: (bytes) => {
    try {
      return { ok: true, value: decodeFlowBatch(bytes) };
    } catch (e) {
      return { ok: false, reason: 'decode_error', error: (e as Error).message };
    }
  },
};
