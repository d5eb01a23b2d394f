import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { RequestValidationError, UnsupportedMediaType } from '../errors';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Commands are JSON objects. Runs before validation, so a form post or a bare array gets one
 * clear answer (415, or 400 "must be a JSON object") instead of a list of every missing field.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (!WITH_BODY.has(request.method)) return true;
    const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (hasBody && !request.is('application/json')) throw new UnsupportedMediaType(request.headers['content-type']);
    const body: unknown = request.body;
    if (hasBody && (body === null || typeof body !== 'object' || Array.isArray(body))) {
      throw new RequestValidationError([{ field: '(body)', message: 'must be a JSON object' }]);
    }
    return true;
  }
}
