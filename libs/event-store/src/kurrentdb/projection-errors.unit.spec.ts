import { convertToCommandError, UnsupportedError } from '@kurrent/kurrentdb-client';
import { backoffDelay, classifyProjectionError, describeError } from './projection-errors';
import { projectionHealth } from './kurrentdb-event-store';

/**
 * A gRPC failure as @grpc/grpc-js hands it to the client (status code, details, trailers), turned
 * into the error the client throws by its own convertToCommandError: what init() and health()
 * actually meet.
 */
const fromServer = (code: number, details: string, trailers: Record<string, string> = {}) =>
  convertToCommandError(Object.assign(new Error(`${code} ${details}`), { code, details, metadata: { getMap: () => trailers, get: (key: string) => (key in trailers ? [trailers[key]] : []) } }) as never);

const GRPC = { DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, UNKNOWN: 2, UNAUTHENTICATED: 16 };

describe('what a failed projection call means', () => {
  it.each([
    ['a projection of that name exists (the manager answers Conflict)', fromServer(GRPC.UNKNOWN, 'Envelope callback expected Updated, received Conflict instead'), 'exists'],
    ['an HTTP-style duplicate name', new Error('Duplicate projection name: oriental-journeys-v1'), 'exists'],
    ['no such projection', fromServer(GRPC.NOT_FOUND, "Projection 'oriental-journeys-v1' not found"), 'missing'],
    [
      'a follower answering (not the leader)',
      fromServer(GRPC.NOT_FOUND, 'Leader info available', { exception: 'not-leader', 'leader-endpoint-host': 'node-2', 'leader-endpoint-port': '2113' }),
      'transient',
    ],
    ['a server that cannot be reached', fromServer(GRPC.UNAVAILABLE, 'No connection established'), 'transient'],
    ['a server restarting (internal)', fromServer(GRPC.INTERNAL, 'Received RST_STREAM'), 'transient'],
    ['a subsystem that drops the request until the deadline', fromServer(GRPC.DEADLINE_EXCEEDED, 'Deadline exceeded'), 'transient'],
    ['a server not ready yet', fromServer(GRPC.UNKNOWN, 'Server Is Not Ready'), 'transient'],
    ['a server without a projection service', fromServer(GRPC.UNIMPLEMENTED, 'The server does not implement the method'), 'disabled'],
    ['a client that says the server is too old', new UnsupportedError('createProjection', '21.10'), 'disabled'],
    ['a user without rights', fromServer(GRPC.PERMISSION_DENIED, 'Access denied', { exception: 'access-denied' }), 'denied'],
    ['no credentials', fromServer(GRPC.UNAUTHENTICATED, 'Unauthenticated'), 'denied'],
    ['an invalid query', fromServer(GRPC.UNKNOWN, 'Envelope callback expected Updated, received OperationFailed instead'), 'other'],
    ['something that is not an error', 'oops', 'other'],
  ])('%s is %s', (_what, error, kind) => {
    expect(classifyProjectionError(error)).toBe(kind);
  });

  it('describes an error by its class, type and message', () => {
    expect(describeError(fromServer(GRPC.UNAVAILABLE, 'No connection established'))).toBe('UnavailableError (unavailable): 14 No connection established');
    expect(describeError(new Error('boom'))).toBe('Error: boom');
  });

  it('waits longer after each failed attempt, doubling up to a bound', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, 500))).toEqual([500, 1_000, 2_000, 4_000, 4_000, 4_000]);
  });
});

describe('what health says of the journey projection', () => {
  it('is up while it runs', () => {
    expect(projectionHealth('journeys', { status: 'Running', stateReason: '' })).toEqual({ running: true, details: { journeyProjection: 'Running' } });
  });

  it.each([
    [{ status: 'Stopped', stateReason: '' }, { journeyProjection: 'Stopped', reason: 'the journeys projection is Stopped: journeys are not being updated' }],
    [
      { status: 'Faulted', stateReason: 'The projection failed: Js1Exception: boom' },
      { journeyProjection: 'Faulted', reason: 'The projection failed: Js1Exception: boom' },
    ],
    [{ status: 'Stopped/Faulted', stateReason: 'boom' }, { journeyProjection: 'Stopped/Faulted', reason: 'boom' }],
    [{ status: 'Preparing/Stopped', stateReason: '' }, { journeyProjection: 'Preparing/Stopped', reason: expect.stringMatching(/is Preparing\/Stopped/) }],
  ])('is down, with the reason, when it is %p', (projection, details) => {
    expect(projectionHealth('journeys', projection)).toEqual({ running: false, details });
  });

  it('is down when it does not exist', () => {
    expect(projectionHealth('journeys', undefined)).toEqual({
      running: false,
      details: { journeyProjection: 'missing', reason: expect.stringMatching(/^the journeys projection does not exist/) },
    });
  });
});
