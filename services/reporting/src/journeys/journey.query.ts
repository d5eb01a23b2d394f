import { Controller, Get, Inject, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { StoredEvent } from '@oriental/contracts';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { NotFound, RequestValidationError } from '@oriental/service-kit';

/** Sealed personal data is shown as such: the journey replay never decrypts it. */
const redactSealed = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(redactSealed);
  if (value && typeof value === 'object') {
    if ((value as { alg?: unknown }).alg === 'A256GCM' && 'ciphertext' in value) return '[personal data: encrypted]';
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSealed(v)]));
  }
  return value;
};

export interface JourneyEntry {
  type: string;
  occurredAt: string;
  actor: string;
  cellId?: string;
  stream: string;
  revision: number;
  data: unknown;
}

const toEntry = (event: StoredEvent): JourneyEntry => ({
  type: event.type,
  occurredAt: event.metadata.occurredAt,
  actor: event.metadata.actor,
  ...(event.metadata.cellId ? { cellId: event.metadata.cellId } : {}),
  stream: event.stream,
  revision: event.revision,
  data: redactSealed(event.data),
});

/** Auditors replay a beneficiary's journey: every event of every context, in order, from the store. */
@ApiTags('journeys')
@Controller('journeys')
export class JourneyQuery {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get(':beneficiaryId')
  @ApiOperation({ summary: "A beneficiary's journey across all contexts, in the order it happened" })
  @ApiOkResponse({ description: '{ events: [{ type, occurredAt, actor, cellId, data }] }' })
  @ApiNotFoundResponse({ description: 'JOURNEY_NOT_FOUND' })
  async journey(
    @Param('beneficiaryId', new ParseUUIDPipe({ exceptionFactory: () => new RequestValidationError([{ field: 'beneficiaryId', message: 'must be a UUID' }]) }))
    beneficiaryId: string,
  ): Promise<{ beneficiaryId: string; events: JourneyEntry[] }> {
    const events = await this.store.readJourney(beneficiaryId);
    if (events.length === 0) throw new NotFound('Journey of beneficiary', beneficiaryId, 'JOURNEY_NOT_FOUND');
    return { beneficiaryId, events: events.map(toEntry) };
  }
}
