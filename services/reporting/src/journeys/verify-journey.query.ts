import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { BROKEN_LINK_REASONS, ChainedLog, chainedLogOf, EVENT_STORE, EventStore, JourneyVerdict, verifyJourney } from '@oriental/event-store';
import { Allow, ApiProblemResponse, ApiResponseOf, uuidParam } from '@oriental/service-kit';
import { z } from 'zod';
import { journeyNotFound } from './journey';

const streamName = z.string().meta({ example: 'beneficiary-6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01' });

/** The answer of `GET /journeys/{id}/verify`: `verifyJourney`'s verdict, as documented. */
export const journeyVerificationSchema = z.object({
  beneficiaryId: z.uuid(),
  intact: z.boolean().meta({ description: 'Every stream of the journey verifies, from its first event to its last' }),
  streams: z
    .array(
      z.object({
        stream: streamName,
        events: z.int().nonnegative().meta({ description: "The stream's events, other beneficiaries' included: its chain runs through them" }),
        intact: z.boolean(),
      }),
    )
    .meta({ description: 'Every stream holding an event of the journey, in the order of its first such event' }),
  firstBrokenLink: z
    .object({
      stream: streamName,
      revision: z.int().nonnegative().meta({ description: 'The first event whose link does not hold (0-based, in its stream)' }),
      reason: z.enum(BROKEN_LINK_REASONS).meta({
        description:
          'hash-mismatch: the event was changed; previous-hash-mismatch: an event before it was removed, inserted, or rewritten with its hash; missing-hash: it carries no chain',
      }),
    })
    .optional()
    .meta({ description: 'Absent when intact; else the first broken link of the first broken stream' }),
});
type JourneyVerification = z.infer<typeof journeyVerificationSchema> & JourneyVerdict;

/**
 * Tamper evidence for auditors: checks the hash chain of every stream of a beneficiary's
 * journey, read from the event store's stored bytes (docs/adr/0011-hash-chained-streams.md).
 * It opens nothing: hashes cover the ciphertext, so an erased person's streams still verify.
 */
@ApiTags('journeys')
@Controller('journeys')
export class VerifyJourneyQuery {
  private readonly log: ChainedLog;

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    this.log = chainedLogOf(store);
  }

  @Allow('auditor', 'regional_coordinator')
  @Get(':beneficiaryId/verify')
  @ApiOperation({
    summary: "Verifies the hash chains of every stream of a beneficiary's journey",
    description:
      'Each stored event holds the hash of the previous event of its stream and its own. Names the first broken link (stream, revision and what is wrong). A rewrite of a stream\'s last event together with its hash needs an anchor kept outside the system to be seen: `npm run verify -- --all`.',
  })
  @ApiParam({ name: 'beneficiaryId', format: 'uuid' })
  @ApiResponseOf(200, journeyVerificationSchema, 'The verdict, intact or not')
  @ApiProblemResponse(400, 'VALIDATION_FAILED: the id is not a UUID')
  @ApiProblemResponse(404, 'JOURNEY_NOT_FOUND: no event names this beneficiary')
  async verify(@Param('beneficiaryId', uuidParam('beneficiaryId')) beneficiaryId: string): Promise<JourneyVerification> {
    const verdict = await verifyJourney(this.log, beneficiaryId);
    if (!verdict) throw journeyNotFound(beneficiaryId);
    return verdict;
  }
}
