import { z } from 'zod';
import { RequestValidationError } from '../errors';
import { ZodBodyPipe } from './validation';

const pipe = new ZodBodyPipe(
  z.strictObject({
    name: z.string().min(1).max(5),
    code: z.string().regex(/^[A-Z]{2}$/, 'must be two capitals'),
    count: z.int().min(1).max(9),
    kind: z.enum(['a', 'b']),
    nested: z.strictObject({ flag: z.boolean(), note: z.string().optional() }),
  }),
);

const errorsOf = (body: unknown) => {
  try {
    pipe.transform(body);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors;
    throw error;
  }
  throw new Error('the body was accepted');
};

describe('ZodBodyPipe', () => {
  it('answers the parsed body when it is valid', () => {
    const body = { name: 'Ana', code: 'MA', count: 3, kind: 'a', nested: { flag: true } };
    expect(pipe.transform(body)).toEqual(body);
  });

  it('reports every invalid, missing and unknown field at once, in the API words', () => {
    expect(errorsOf({ name: '', code: 'ma', count: 2.5, kind: 'c', nested: { flag: 'yes', extra: 1 }, other: true })).toEqual([
      { field: 'name', message: 'must not be empty' },
      { field: 'code', message: 'must be two capitals' },
      { field: 'count', message: 'must be an integer' },
      { field: 'kind', message: 'must be one of: a, b' },
      { field: 'nested.flag', message: 'must be a boolean' },
      { field: 'nested.extra', message: 'should not exist' },
      { field: 'other', message: 'should not exist' },
    ]);
  });

  it('says which fields are missing, and coerces nothing', () => {
    expect(errorsOf({ name: 'toolong', count: '3', nested: null })).toEqual([
      { field: 'name', message: 'must be at most 5 characters long' },
      { field: 'code', message: 'is required' },
      { field: 'count', message: 'must be a number' },
      { field: 'kind', message: 'is required' },
      { field: 'nested', message: 'must be an object' },
    ]);
  });

  it('reports bounds of numbers', () => {
    expect(errorsOf({ name: 'Ana', code: 'MA', count: 10, kind: 'a', nested: { flag: true } })).toEqual([
      { field: 'count', message: 'must not be greater than 9' },
    ]);
  });
});

describe('ZodBodyPipe and prototype keys', () => {
  const body = (json: string): unknown => JSON.parse(json);

  it.each(['__proto__', 'constructor', 'prototype'])('refuses "%s" even where the schema would take any key', (key) => {
    const loose = new ZodBodyPipe(z.object({ tags: z.record(z.string(), z.unknown()) }).loose());
    expect(() => loose.transform(body(`{"tags":{},"${key}":{"admin":true}}`))).toThrow(RequestValidationError);
    expect(() => loose.transform(body(`{"tags":{"${key}":{"admin":true}}}`))).toThrow(RequestValidationError);
  });

  it('names each one, nested too, once, beside the other field errors', () => {
    expect(errorsOf(body('{"__proto__":{"x":1},"name":"","code":"MA","count":1,"kind":"a","nested":{"flag":true,"constructor":1}}'))).toEqual(
      expect.arrayContaining([
        { field: '__proto__', message: 'should not exist' },
        { field: 'name', message: 'must not be empty' },
        { field: 'nested.constructor', message: 'should not exist' },
      ]),
    );
    expect(errorsOf(body('{"__proto__":{"x":1},"name":"Ana","code":"MA","count":1,"kind":"a","nested":{"flag":true}}'))).toEqual([
      { field: '__proto__', message: 'should not exist' },
    ]);
  });
});
