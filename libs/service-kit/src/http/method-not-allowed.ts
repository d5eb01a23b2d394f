import type { NextFunction, Request, Response } from 'express';
import type { RouteDescription } from './routes';

/**
 * 405 with `Allow` for a method a path does not take (PUT on /beneficiaries, TRACE on /health),
 * instead of the 404 of an unknown path: a client or a fuzzer generated from the OpenAPI document
 * learns that the resource exists and which methods it takes (RFC 9110 §15.5.6). Written as
 * problem details, as ProblemDetailsFilter writes every other error; before authentication, as
 * the document that lists the methods is public. OPTIONS stays CORS's, HEAD follows GET.
 */
export const methodNotAllowed = (routes: readonly RouteDescription[]) => {
  const paths = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  for (const route of routes) {
    const entry = paths.get(route.path) ?? { pattern: new RegExp(`^${route.path.replace(/:\w+/g, '[^/]+')}/?$`), methods: new Set<string>() };
    entry.methods.add(route.method.toUpperCase());
    if (route.method === 'get') entry.methods.add('HEAD');
    paths.set(route.path, entry);
  }
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.method === 'OPTIONS') return next();
    const matching = [...paths.values()].filter((entry) => entry.pattern.test(request.path));
    if (matching.length === 0 || matching.some((entry) => entry.methods.has(request.method))) return next();
    const allow = [...new Set(matching.flatMap((entry) => [...entry.methods]))].sort().join(', ');
    response
      .status(405)
      .setHeader('Allow', allow)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: 'urn:oriental:problem:method-not-allowed',
          title: 'Method not allowed',
          status: 405,
          detail: `${request.method} is not a method of ${request.path}: ${allow}`,
          instance: request.originalUrl,
          code: 'METHOD_NOT_ALLOWED',
        }),
      );
  };
};
