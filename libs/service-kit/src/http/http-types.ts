import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The few Express request/response members Flowguard uses, typed locally so
 * the project needs no @types/express (Nest's Express adapter provides them at runtime).
 */
export interface HttpRequest extends IncomingMessage {
  id?: string;
  originalUrl?: string;
  body?: unknown;
}

export interface HttpResponse extends ServerResponse {
  status(code: number): this;
  send(body?: unknown): this;
  json(body: unknown): this;
  type(contentType: string): this;
}
