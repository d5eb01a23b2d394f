import { CanActivate, ExecutionContext, Injectable, RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { JsonBodyRefused, RequestValidationError, UnsupportedMediaType } from '../errors';
import { inspectJsonText } from './json-text';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Deeper than any command body (the deepest nests 3 or 4 levels), far below a stack overflow. */
const MAX_BODY_DEPTH = 32;

/** The body as sent, in its charset (JSON bodies are UTF-8 unless they say otherwise). */
const textOf = (request: RawBodyRequest<Request>): string => {
  if (!request.rawBody) throw new Error('JsonBodyGuard reads the raw body: create the app with { rawBody: true }');
  const charset = /charset=([\w-]+)/i.exec(request.headers['content-type'] ?? '')?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(charset).decode(request.rawBody);
  } catch {
    return request.rawBody.toString('utf8');
  }
};

/**
 * Commands are JSON objects. Runs before validation and before anything hashes or walks the
 * body, so a form post or a bare array gets one clear answer (415, or 400 "must be a JSON
 * object") instead of a list of every missing field, and a body nested past MAX_BODY_DEPTH or
 * naming a key twice is refused (400) from its text, in one pass without recursion.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<RawBodyRequest<Request>>();
    if (!WITH_BODY.has(request.method)) return true;
    const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (!hasBody || request.rawBody?.length === 0) {
      // No body is no body, whatever the content type says: the JSON parser makes `{}` of an
      // empty body sent as application/json, which let a command whose body is required (and
      // documented so) go through as if `{}` had been sent. Its pipe decides: 400, or the default.
      (request as { body?: unknown }).body = undefined;
      return true;
    }
    if (!request.is('application/json')) throw new UnsupportedMediaType(request.headers['content-type']);
    const body: unknown = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new RequestValidationError([{ field: '(body)', message: 'must be a JSON object' }]);
    }
    const problem = inspectJsonText(textOf(request), MAX_BODY_DEPTH);
    if (problem?.code === 'BODY_TOO_DEEP') {
      throw new JsonBodyRefused(problem.code, `The body nests objects and arrays deeper than ${MAX_BODY_DEPTH} levels`);
    }
    if (problem?.code === 'DUPLICATE_JSON_KEY') {
      throw new JsonBodyRefused(problem.code, `The body names "${problem.field}" more than once`, [
        { field: problem.field, message: 'appears more than once' },
      ]);
    }
    return true;
  }
}
