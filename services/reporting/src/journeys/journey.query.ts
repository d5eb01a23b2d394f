import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, ApiProblemResponse, ApiResponseOf, Caller, Clock, CLOCK, NotFound, Principal, REFERENCE_DATA, RequestValidationError, Role, seesCell, uuidParam } from '@oriental/service-kit';
import { AS_OF_FORMAT, caseStateOf, journeyOf, parseAsOf } from './journey';
import { CaseState, caseStateSchema, Journey, journeySchema } from './journey.schema';


/** Auditors and the region see every journey; a province's coordinator and a cell's supervisor those of their cases. */
export const JOURNEY_READERS = ['auditor', 'regional_coordinator', 'provincial_coordinator', 'cell_supervisor'] as const satisfies readonly Role[];

/**
 * Auditors replay a beneficiary's journey from the event store (not from a read model): every
 * event of every context, in order, and the case as it stood at any instant.
 */
@ApiTags('journeys')
@Controller('journeys')
export class JourneyQuery {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  /** The journey, when the caller sees the cell that has the case now; 404 alike otherwise. */
  private async visibleJourney(beneficiaryId: string, caller: Principal): Promise<Journey> {
    const journey = await journeyOf(this.store, beneficiaryId);
    if (caller.role === 'auditor' || caller.role === 'regional_coordinator') return journey;
    const cellNow = [...journey.events].reverse().find((entry) => entry.cellId !== undefined)?.cellId;
    if (!seesCell(caller, cellNow, this.referenceData)) throw new NotFound('Journey', beneficiaryId, 'JOURNEY_NOT_FOUND');
    return journey;
  }

  @Allow(...JOURNEY_READERS)
  @Get(':beneficiaryId')
  @ApiOperation({
    summary: "A beneficiary's journey across intake and referral, in the order it happened",
    description:
      'Every event whose metadata names the beneficiary, in log order, each with a one-line summary. Sealed personal data is never opened, free-text notes are withheld.',
  })
  @ApiParam({ name: 'beneficiaryId', format: 'uuid' })
  @ApiResponseOf(200, journeySchema, 'The journey')
  @ApiProblemResponse(400, 'VALIDATION_FAILED: the id is not a UUID')
  @ApiProblemResponse(404, 'JOURNEY_NOT_FOUND: no event names this beneficiary, or the case is of a cell the caller does not see')
  journey(@Param('beneficiaryId', uuidParam('beneficiaryId')) beneficiaryId: string, @Caller() caller: Principal): Promise<Journey> {
    return this.visibleJourney(beneficiaryId, caller);
  }

  @Allow(...JOURNEY_READERS)
  @Get(':beneficiaryId/state')
  @ApiOperation({
    summary: 'The case as it stood at an instant: cell, status, consents, needs, follow-ups and referrals',
    description:
      "Folds, with intake's and referral's own deciders, the journey's events that occurred (metadata.occurredAt, the command's clock) at or before `asOf`, in log order; within a stream the fold stops at the first event that occurred later.",
  })
  @ApiParam({ name: 'beneficiaryId', format: 'uuid' })
  @ApiQuery({ name: 'asOf', required: false, description: `ISO 8601 instant with a time zone; now when absent. ${AS_OF_FORMAT}`, schema: { type: 'string', format: 'date-time' }, example: '2026-07-15T09:30:00Z' })
  @ApiResponseOf(200, caseStateSchema, 'The case at asOf')
  @ApiProblemResponse(400, 'VALIDATION_FAILED: the id is not a UUID, or asOf is not an ISO 8601 instant')
  @ApiProblemResponse(404, 'JOURNEY_NOT_FOUND: no event names this beneficiary; JOURNEY_NOT_STARTED: asOf is before their registration')
  async state(@Param('beneficiaryId', uuidParam('beneficiaryId')) beneficiaryId: string, @Caller() caller: Principal, @Query('asOf') asOf?: string): Promise<CaseState> {
    const instant = asOf === undefined ? this.clock.now() : parseAsOf(asOf);
    if (!instant) throw new RequestValidationError([{ field: 'asOf', message: AS_OF_FORMAT }]);
    if (caller.role !== 'auditor' && caller.role !== 'regional_coordinator') await this.visibleJourney(beneficiaryId, caller);
    return caseStateOf(this.store, beneficiaryId, instant);
  }
}
