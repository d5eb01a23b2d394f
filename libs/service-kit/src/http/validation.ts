import { ParseUUIDPipe, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiBody, ApiBodyOptions, ApiResponse } from '@nestjs/swagger';
import { textProblem } from '@oriental/contracts';
import { z } from 'zod';
import { FieldError, RequestValidationError } from '../errors';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const flatten = (errors: ValidationError[], parent = ''): FieldError[] =>
  errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    // class-validator starts each message with the property ("x must be…", "property x should
    // not exist"); the field is reported beside it, so the message keeps only the rest.
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(new RegExp(`^(property )?${escapeRegExp(error.property)} `), ''),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });

/**
 * Every body and query is validated against its DTO: unknown fields are refused (not silently
 * dropped), types are not coerced, and all field errors are reported at once.
 */
export const strictValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new RequestValidationError(flatten(errors)),
  });

const kinds: Record<string, string> = { int: 'an integer', object: 'an object', array: 'an array' };

/**
 * Field messages in the API's words, as the DTO pipe words them ("must be one of: a, b"); the
 * field is reported beside each. A message a schema gives itself (e.g. on a pattern) wins.
 */
const apiMessage: z.core.$ZodErrorMap = (issue) => {
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) return 'is required';
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${kinds[issue.expected] ?? `a ${issue.expected}`}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters long`;
      return `must not be less than ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string' ? `must be at most ${issue.maximum} characters long` : `must not be greater than ${issue.maximum}`;
    case 'invalid_format':
      return 'is not in the expected format';
    default:
      return undefined;
  }
};

const fieldErrorsOf = (error: z.ZodError): FieldError[] =>
  error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'should not exist' }))
      : [{ field: issue.path.join('.') || '(body)', message: issue.message }],
  );

/**
 * Keys that name an object's prototype machinery rather than data: assigned on a plain object
 * (as a loose schema, a record or a later spread would), `__proto__` swaps its prototype. No body
 * names them, so they are refused wherever they appear, whatever the schema says.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Every prototype key of the value, at any depth, walked with an explicit stack (no recursion). */
const prototypeKeysOf = (value: object): FieldError[] => {
  const found: FieldError[] = [];
  const pending: { value: object; path: string }[] = [{ value, path: '' }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    for (const [key, child] of Object.entries(next.value)) {
      const field = next.path ? `${next.path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) found.push({ field, message: 'should not exist' });
      else if (child !== null && typeof child === 'object') pending.push({ value: child, path: field });
    }
  }
  return found;
};

/** One error per field: zod may report a prototype key as unknown too. */
const distinct = (errors: FieldError[]): FieldError[] =>
  errors.filter((error, index) => errors.findIndex((other) => other.field === error.field && other.message === error.message) === index);

/**
 * `@Body(new ZodBodyPipe(schema))`: validates a command body against a zod schema, the one
 * definition of its shape (the handler's type, the OpenAPI schema and the test builder derive
 * from it). Same rules as the DTO pipe: unknown fields are refused, nothing is coerced, every
 * field error is reported at once as a 400; `__proto__`, `constructor` and `prototype` are refused
 * at any depth whatever the schema. zod compiles an object schema to one function, so
 * this costs about a microsecond a request, where class-transformer and class-validator walk
 * the DTO's decorator metadata on every call (tens of microseconds; bench/registration.bench.ts).
 * The global DTO pipe leaves such a body alone: its declared type is not a class.
 */
export class ZodBodyPipe<Schema extends z.ZodType> implements PipeTransform<unknown, z.output<Schema>> {
  constructor(readonly schema: Schema) {}

  transform(value: unknown): z.output<Schema> {
    const prototypeKeys = value !== null && typeof value === 'object' ? prototypeKeysOf(value) : [];
    const parsed = this.schema.safeParse(value);
    if (parsed.success && prototypeKeys.length === 0) return parsed.data;
    // Worded again only when invalid: an error map on every parse would cost the valid bodies too.
    const worded = parsed.success ? [] : fieldErrorsOf(this.schema.safeParse(value, { error: apiMessage }).error!);
    throw new RequestValidationError(distinct([...worded, ...prototypeKeys]));
  }
}


/**
 * Free text a person types in a body (a note, a reason): trimmed, stored in Unicode NFC, and
 * refused (400) when it hides something (NUL and other controls, bidi overrides, lone
 * surrogates) or shows nothing (blank, zero-width only). Intake's personal data applies the same
 * rules to names and notes (intake-domain `personal-data.ts`).
 */
export const safeText = (max: number, { min = 1, multiline = false }: { min?: number; multiline?: boolean } = {}) =>
  z
    .string()
    .trim()
    .normalize('NFC')
    .min(min)
    .max(max)
    .check((context) => {
      // One error per field: a text already too short or too long is not judged further.
      if (context.issues.length > 0) return;
      const message = textProblem(context.value, multiline);
      if (message) context.issues.push({ code: 'custom', message, input: context.value });
    });

type OpenApiSchema = Extract<ApiBodyOptions, { schema: unknown }>['schema'];
const openApiSchemaOf = (schema: z.ZodType): OpenApiSchema => z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'output' }) as OpenApiSchema;

/**
 * The OpenAPI description of a body validated by `ZodBodyPipe`, derived from the same schema as
 * the pipe reads it (`io: 'input'`: a field with a default may be left out). Bootstrap writes it
 * for every `ZodBodyPipe` body anyway (`completeOpenApiDocument`); this adds a description.
 */
export const ApiBodyOf = (schema: z.ZodType, options: { description?: string } = {}): MethodDecorator =>
  ApiBody({ ...options, schema: z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as OpenApiSchema });

/**
 * The OpenAPI description of a response body, from the zod schema its handler's type is
 * inferred from (`z.infer`): one definition for the type and the document, which API specs
 * check responses against (`checkResponsesAgainstOpenApiOf`).
 */
export const ApiResponseOf = (status: number, schema: z.ZodType, description: string): MethodDecorator =>
  ApiResponse({ status, description, schema: openApiSchemaOf(schema) });

const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });

/** RFC 9457 problem details as `ProblemDetailsFilter` writes them, with the stable `code`. */
export const problemDetailsSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int().min(400).max(599),
  detail: z.string(),
  instance: z.string(),
  code: z
    .string()
    .regex(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/)
    .meta({ description: 'Stable error code, e.g. IDEMPOTENCY_KEY_REQUIRED' }),
  errors: z.array(fieldErrorSchema).optional().meta({ description: '400: one entry per invalid field' }),
  traceId: z.string().optional().meta({ description: "The request's trace, when tracing is on" }),
});

/** The OpenAPI response object of problem details; `description` names its codes. */
export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: openApiSchemaOf(problemDetailsSchema) } },
});

/** An error a route may answer, as problem details; `description` names its codes. */
export const ApiProblemResponse = (status: number, description: string): MethodDecorator => ApiResponse({ status, ...problemResponse(description) });

/** `@Param('id', uuidParam('id'))`: a path id that must be a UUID, else 400 naming the field. */
export const uuidParam = (field: string): ParseUUIDPipe =>
  new ParseUUIDPipe({ exceptionFactory: () => new RequestValidationError([{ field, message: 'must be a UUID' }]) });
