import { Controller, Headers, Inject, MessageEvent, Query, Req, Sse } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, ApiProblemResponse, BadRequestHeaderError, Caller, NotAcceptable, Principal, REFERENCE_DATA } from '@oriental/service-kit';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { z } from 'zod';
import { HubFeed } from './hub-feed';
import { hubNotificationSchema } from './hub-notification';
import { HUB_READERS, hubScopeOf, inScope } from './hub-scope';

const EVENT_STREAM = 'text/event-stream';

/**
 * Whether the Accept header names the event stream (with a non-zero q). A client that does not
 * ask for it by name (no Accept, or `*\/*`) gets 406: an endless answer is for clients that
 * expect one, as EventSource does, and not for crawlers, fuzzers and route walkers.
 */
const asksForEventStream = (accept: string | undefined): boolean =>
  (accept ?? '').split(',').some((range) => {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    return type === EVENT_STREAM && (q === undefined || Number(q.slice(2)) > 0);
  });

const notificationExample = { type: 'BeneficiaryRegistered', occurredAt: '2026-07-15T09:30:00.000Z', cellId: 'oujda', province: 'oujda-angad', category: 'mre' };

@ApiTags('hub')
@Controller('hub')
export class HubFeedQuery {
  constructor(
    @Inject(HubFeed) private readonly feed: HubFeed,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  @Allow(...HUB_READERS)
  @Sse('feed')
  @ApiOperation({
    summary: "The network's activity as it happens: Server-Sent Events, one per integration event",
    description: [
      'Send `Accept: text/event-stream` (as EventSource does); any other Accept is answered 406.',
      'Each event is `id: <log position>` and `data: <notification>`, the notification being JSON:',
      '`type`, `occurredAt`, and when known `cellId`, `province`, `category`; never an id, personal data nor free text.',
      'Reconnect with `Last-Event-ID` (EventSource does it by itself) to receive exactly what was missed, from the log.',
      'The stream opens with a comment (`: connected`) carrying the current position as `id`, and repeats one (`: heartbeat`) on a quiet stream;',
      'an `id` without data moves the client\u2019s last event id without dispatching an event.',
      'A provincial coordinator sees their province only.',
    ].join(' '),
  })
  @ApiProduces(EVENT_STREAM)
  @ApiQuery({ name: 'cellId', required: false, description: 'Only the events of this cell (reference data)', schema: { type: 'string', example: 'oujda' } })
  @ApiQuery({ name: 'province', required: false, description: 'Only the events of this province or prefecture (reference data); forced to theirs for a provincial coordinator', schema: { type: 'string', example: 'oujda-angad' } })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The id of the last event received: the stream starts right after it. A position of another form, or beyond the log, is 400 LAST_EVENT_ID_INVALID.',
    schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,19})(/(0|[1-9][0-9]{0,19}))?$' },
  })
  @ApiResponse({
    status: 200,
    description: 'The stream (text/event-stream), open until the client leaves or the service stops',
    content: {
      [EVENT_STREAM]: {
        schema: {
          type: 'string',
          description: `Server-Sent Events; each data line is a JSON notification: ${JSON.stringify(z.toJSONSchema(hubNotificationSchema, { io: 'output' }))}`,
          example: `: connected\nid: 41\n\nid: 42\ndata: ${JSON.stringify(notificationExample)}\n\n`,
        },
      },
    },
  })
  @ApiProblemResponse(400, 'VALIDATION_FAILED: an unknown cell or province, a cell outside the province, an unknown query parameter; LAST_EVENT_ID_INVALID')
  @ApiProblemResponse(403, 'ROLE_NOT_ALLOWED; PROVINCE_NOT_YOURS or CELL_NOT_YOURS: a provincial coordinator asking for another province')
  @ApiProblemResponse(406, 'NOT_ACCEPTABLE: the request did not send Accept: text/event-stream')
  async stream(
    @Caller() caller: Principal,
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: Request,
  ): Promise<Observable<MessageEvent>> {
    const scope = hubScopeOf(query, caller, this.referenceData);
    if (!asksForEventStream(accept)) throw new NotAcceptable('This is a Server-Sent Events stream: send Accept: text/event-stream');
    // An empty Last-Event-ID is what EventSource sends before it has received an id: no position.
    const after = lastEventId === undefined || lastEventId === '' ? undefined : lastEventId;
    if (after !== undefined && !(await this.feed.canResumeAfter(after))) {
      throw new BadRequestHeaderError('LAST_EVENT_ID_INVALID', 'Last-Event-ID is not a position of this log: connect again without it (and catch up from GET /hub/snapshot)');
    }
    return this.feed.stream(after, (notification) => inScope(scope, notification), () => hangUp(request));
  }
}

/**
 * Closes a stream's connection once its answer is finished (the service is stopping): a
 * keep-alive connection would otherwise stay open until the client closes it, and the HTTP
 * server's close waits for it. A client that does not read is cut after a second.
 */
const hangUp = (request: Request): void => {
  const { socket, res: response } = request;
  if (!response || response.writableFinished) socket.end();
  else response.once('finish', () => socket.end());
  setTimeout(() => socket.destroy(), 1_000).unref();
};
