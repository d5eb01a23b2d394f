import { assertValidExpectedRevision, InvalidExpectedRevisionError } from './event-store.port';

describe('expected revisions', () => {
  it.each(['no_stream', 'stream_exists', 'any', 0, 1, 41, -0, Number.MAX_SAFE_INTEGER])('accepts %p', (expected) => {
    expect(() => assertValidExpectedRevision('test-1', expected)).not.toThrow();
  });

  it.each([
    [-1, 'not -1'],
    [1.5, 'not 1.5'],
    [Number.NaN, 'not NaN'],
    [Number.POSITIVE_INFINITY, 'not Infinity'],
    [Number.MAX_SAFE_INTEGER + 1, `not ${Number.MAX_SAFE_INTEGER + 1}`],
    ['1', 'not "1"'],
    ['NO_STREAM', 'not "NO_STREAM"'],
    [1n, 'not 1n (a bigint)'],
    [null, 'not null'],
    [undefined, 'not undefined'],
    [{}, 'not an object'],
    [[1], 'not a list'],
  ])('refuses %p with an error that names the stream, what is allowed and what was given', (expected, given) => {
    let thrown: unknown;
    try {
      assertValidExpectedRevision('beneficiary-7', expected);
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(InvalidExpectedRevisionError);
    expect(thrown).toBeInstanceOf(TypeError);
    expect(thrown).toMatchObject({ name: 'InvalidExpectedRevisionError', code: 'INVALID_EXPECTED_REVISION', stream: 'beneficiary-7', expected });
    expect((thrown as Error).message).toBe(
      `appendToStream(beneficiary-7): expectedRevision must be 'no_stream', 'stream_exists', 'any' or a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, ${given}`,
    );
  });
});
