import type { OpenAPIObject } from '@nestjs/swagger';
import type { HeaderObject, OperationObject, ParameterObject, ReferenceObject, RequestBodyObject, ResponseObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from 'zod';
import { IF_MATCH_PATTERN } from '../command-context';
import { CORRELATION_ID_PATTERN, IDEMPOTENCY_KEY_MAX_LENGTH, IDEMPOTENCY_KEY_PATTERN } from './command-request.decorator';
import { openApiPathOf, RouteDescription } from './routes';
import { problemDetailsSchema } from './validation';

/**
 * The OpenAPI document of a service, completed from what its routes check (`routesOf`), so a
 * generated client and a fuzzer generated from it can rely on it: the controllers' decorators say
 * what is particular to a route (its answer, its business rules, its 404 codes); what every route
 * of a kind answers is written here, once, from the same rules the guards and pipes run:
 *
 * - every route with a policy: the bearer scheme, 401 and 403 (`@Allow`), 429 (the rate limit);
 * - every path id a `ParseUUIDPipe` checks: `format: uuid`, and its 400;
 * - every route with a body: the body's schema as the `ZodBodyPipe` reads it (input: defaults
 *   optional, unknown fields refused), 400 (malformed JSON, too deep, duplicate key, invalid
 *   field), 413 (over the body limit) and 415 (not JSON);
 * - every command: Idempotency-Key, If-Match and X-Correlation-Id with their patterns, 409 and
 *   412, and the ETag it answers;
 * - every error: RFC 9457 problem details (`#/components/schemas/ProblemDetails`).
 */

type Operation = OperationObject;
type Response = ResponseObject;

export const BEARER_SCHEME = 'bearer';
export const PROBLEM_DETAILS = 'ProblemDetails';
const PROBLEM_JSON = 'application/problem+json';
const problemRef: ReferenceObject = { $ref: `#/components/schemas/${PROBLEM_DETAILS}` };

/** The answer of a body over this size, as the JSON parser refuses it (express's default). */
export const BODY_LIMIT = '100kb';

const problem = (description: string): Response => ({ description, content: { [PROBLEM_JSON]: { schema: problemRef } } });

const header = (description: string, schema: SchemaObject): HeaderObject => ({ description, schema });

const commandHeaders = (): ParameterObject[] => [
  {
    name: 'Idempotency-Key',
    in: 'header',
    required: true,
    description: `Chosen by the client, e.g. a UUID: the same key and body again answers the first answer and appends nothing; the same key with another body, or from another caller, is 409. 8 to ${IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters.`,
    schema: { type: 'string', minLength: 8, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH, pattern: IDEMPOTENCY_KEY_PATTERN.source },
  },
  {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: 'The ETag last read (the stream revision, e.g. "3"): 412 STALE_REVISION when the stream changed since. Absent or empty: no check.',
    schema: { type: 'string', pattern: `^(${IF_MATCH_PATTERN.source.replace(/^\^|\$$/g, '')})?$` },
  },
  {
    name: 'X-Correlation-Id',
    in: 'header',
    required: false,
    description: "Kept in the metadata of every event the command appends; a new one when absent",
    schema: { type: 'string', pattern: CORRELATION_ID_PATTERN.source },
  },
];

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
const WITH_BODY = new Set(['post', 'put', 'patch']);

/** The request body as the pipe reads it: `io: 'input'`, so a default makes a field (or the body) optional. */
const requestBodyOf = (schema: z.ZodType, existing?: RequestBodyObject | ReferenceObject): RequestBodyObject => ({
  ...(existing && 'description' in existing && existing.description ? { description: existing.description } : {}),
  required: !schema.safeParse(undefined).success,
  content: { 'application/json': { schema: z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as SchemaObject } },
});

/** Puts a parameter in (replacing one of the same name and place, whose description is kept when it has one). */
const setParameter = (operation: Operation, parameter: ParameterObject): void => {
  const parameters = (operation.parameters ??= []) as ParameterObject[];
  const index = parameters.findIndex((p) => p.in === parameter.in && p.name.toLowerCase() === parameter.name.toLowerCase());
  if (index < 0) parameters.push(parameter);
  else parameters[index] = { ...parameter, ...(parameters[index]!.description && parameter.in === 'path' ? { description: parameters[index]!.description } : {}) };
};

const addResponse = (operation: Operation, status: number, response: Response): void => {
  operation.responses[String(status)] ??= response;
};

const addHeaders = (response: Response | ReferenceObject | undefined, headers: Record<string, HeaderObject>): void => {
  if (!response || '$ref' in response) return;
  response.headers = { ...headers, ...response.headers };
};

const completeOperation = (operation: Operation, route: RouteDescription | undefined, path: string, method: string): void => {
  const secured = route?.policy ? 'roles' in route.policy : path !== '/health';
  if (secured) {
    operation.security = [{ [BEARER_SCHEME]: [] }];
    addResponse(operation, 401, problem('AUTHENTICATION_REQUIRED (no bearer token) or TOKEN_INVALID'));
    addResponse(operation, 403, problem('ROLE_NOT_ALLOWED: the role may not call this route'));
    addResponse(operation, 429, problem('RATE_LIMITED: too many requests from this client; Retry-After gives the seconds to wait'));
    addHeaders(operation.responses['401'], { 'WWW-Authenticate': header('Bearer realm="oriental", error="invalid_token"', { type: 'string' }) });
    addHeaders(operation.responses['429'], { 'Retry-After': header('Seconds until the client may call again', { type: 'integer', minimum: 0 }) });
    addResponse(operation, 503, problem('STORE_UNAVAILABLE: a store the service needs is not answering (a restart, a lost connection); retry after Retry-After seconds, a command with the same Idempotency-Key'));
    addHeaders(operation.responses['503'], { 'Retry-After': header('Seconds to wait before retrying', { type: 'integer', minimum: 0 }) });
  } else {
    operation.security = [];
  }

  // Query values are strings on the wire: a parameter a decorator left without a schema is one.
  for (const parameter of (operation.parameters ?? []) as ParameterObject[]) {
    if (parameter.in === 'query' && (!parameter.schema || Object.keys(parameter.schema).length === 0)) parameter.schema = { type: 'string' };
  }

  for (const name of route?.uuidParams ?? []) {
    setParameter(operation, { name, in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });
  }
  if (route && route.uuidParams.length > 0) {
    addResponse(operation, 400, problem(`VALIDATION_FAILED: ${route.uuidParams.join(', ')} is not a UUID`));
  }

  if (WITH_BODY.has(method)) {
    if (route?.body) operation.requestBody = requestBodyOf(route.body, operation.requestBody);
    addResponse(operation, 400, problem('VALIDATION_FAILED (field errors: missing, invalid or unknown field), MALFORMED_JSON, BODY_TOO_DEEP, DUPLICATE_JSON_KEY, BODY_UNREADABLE (a body its Content-Encoding or Content-Length does not match)'));
    addResponse(operation, 413, problem(`PAYLOAD_TOO_LARGE: the body is over ${BODY_LIMIT}`));
    addResponse(operation, 415, problem('UNSUPPORTED_MEDIA_TYPE: the body is not application/json, or its charset or Content-Encoding is not supported'));
  }

  if (route?.command) {
    for (const parameter of commandHeaders()) setParameter(operation, parameter);
    addResponse(operation, 400, problem('IDEMPOTENCY_KEY_REQUIRED, IDEMPOTENCY_KEY_INVALID, IF_MATCH_INVALID, CORRELATION_ID_INVALID'));
    addResponse(operation, 409, problem('IDEMPOTENCY_KEY_REUSED: the key was used with another body or by another caller; CONCURRENT_MODIFICATION: retry'));
    addResponse(operation, 412, problem('STALE_REVISION: If-Match is not the current revision'));
    for (const [status, response] of Object.entries(operation.responses)) {
      if (!/^2\d\d$/.test(status)) continue;
      addHeaders(response, {
        ETag: header('The stream revision after the command, for If-Match', { type: 'string', pattern: IF_MATCH_PATTERN.source }),
        'Idempotent-Replayed': header('true when this answers a retry: nothing was appended again', { type: 'string', enum: ['true'] }),
      });
    }
  }

  // Every refusal is problem details, whatever a decorator wrote for it (/health's 503 is its report).
  for (const [status, response] of Object.entries(operation.responses)) {
    if (!response || '$ref' in response || !/^4\d\d$/.test(status)) continue;
    response.content = { [PROBLEM_JSON]: { schema: problemRef } };
  }
};

/** Completes the document in place (see above) and answers it. */
export const completeOpenApiDocument = (document: OpenAPIObject, routes: readonly RouteDescription[]): OpenAPIObject => {
  const components = (document.components ??= {});
  components.schemas = { ...components.schemas, [PROBLEM_DETAILS]: z.toJSONSchema(problemDetailsSchema, { target: 'openapi-3.0', io: 'output' }) as SchemaObject };
  components.securitySchemes = {
    ...components.securitySchemes,
    [BEARER_SCHEME]: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'A token of the embedded issuer (`npm run token -- --role <role>`) or of the OIDC provider (AUTH_MODE=oidc)',
    },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const route = routes.find((candidate) => candidate.method === method && openApiPathOf(candidate.path) === path);
      completeOperation(operation, route, path, method);
    }
  }
  return document;
};
