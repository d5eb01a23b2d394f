import { Controller, Get, HttpStatus, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { accessLogStream, ReadPurpose } from '@oriental/contracts';
import { fold } from '@oriental/domain-kit';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { beneficiaryDecider, beneficiaryStream } from '@oriental/intake-domain';
import { ReferenceData } from '@oriental/reference-data';
import { Allow, ApiProblemResponse, ApiReadPurpose, ApiResponseOf, Caller, Clock, CLOCK, Principal, Purpose, REFERENCE_DATA, uuidParam } from '@oriental/service-kit';
import { z } from 'zod';
import { AccessLog } from '../access-log/access-log';
import { BeneficiaryCodec } from '../beneficiary.codec';
import { caseNotFound, seesCase } from '../casework/case-access';
import { beneficiaryCaseAnswer, caseAnswerOf } from '../get-beneficiary/get-beneficiary.dto';

const heldEvent = z.object({
  stream: z.string(),
  revision: z.int().nonnegative(),
  type: z.string(),
  occurredAt: z.string(),
  actor: z.string(),
  data: z.unknown().meta({ description: "The event's data; intake's own with the personal data opened (null where it was erased)" }),
});

export const beneficiaryExport = z.object({
  beneficiaryId: z.uuid(),
  exportedAt: z.string(),
  case: beneficiaryCaseAnswer.meta({ description: 'The case as it stands, personal data opened' }),
  history: z.array(heldEvent).meta({ description: 'Every event held about the person, across intake and referral, in log order' }),
  accessLog: z.array(z.object({ at: z.string(), reader: z.string(), purpose: z.string(), record: z.string() })).meta({ description: 'Every read of their personal data, this export included' }),
});
type BeneficiaryExport = z.output<typeof beneficiaryExport>;

/**
 * The right of access (law 09-08, art. 7): everything the network holds about one person, in
 * one JSON document: the case, the full history of their journey, and who read their data.
 */
@ApiTags('beneficiaries')
@Controller('beneficiaries')
export class ExportBeneficiaryController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly codec: BeneficiaryCodec,
    private readonly accessLog: AccessLog,
  ) {}

  @Allow('cell_supervisor', 'regional_coordinator')
  @Get(':id/export')
  @ApiOperation({ summary: "Everything held about one person (their right of access), as JSON; the export is logged as a read" })
  @ApiReadPurpose()
  @ApiResponseOf(HttpStatus.OK, beneficiaryExport, 'The export')
  @ApiProblemResponse(400, 'VALIDATION_FAILED: the id is not a UUID; PURPOSE_REQUIRED or PURPOSE_INVALID')
  @ApiProblemResponse(404, 'BENEFICIARY_NOT_FOUND: no such beneficiary, or one of a cell the caller does not see')
  async export(@Param('id', uuidParam('id')) id: string, @Caller() caller: Principal, @Purpose() purpose: ReadPurpose): Promise<BeneficiaryExport> {
    const own = await this.store.readStream(beneficiaryStream(id));
    const visible = fold(beneficiaryDecider, await Promise.all(own.map((event) => this.codec.forDecisions.decode(event))));
    if (!seesCase(caller, visible, this.referenceData)) throw caseNotFound(id);
    await this.accessLog.record(caller, id, 'export', purpose);

    const state = fold(beneficiaryDecider, await Promise.all(own.map((event) => this.codec.decode(event))));
    if (state.status === 'unknown') throw caseNotFound(id);
    const ownStream = beneficiaryStream(id);
    const history = await Promise.all(
      (await this.store.readJourney(id)).map(async (event) => ({
        stream: event.stream,
        revision: event.revision,
        type: event.type,
        occurredAt: event.metadata.occurredAt,
        actor: event.metadata.actor,
        data: event.stream === ownStream ? (await this.codec.decode(event)).data : event.data,
      })),
    );
    const reads = await this.store.readStream(accessLogStream(id));
    return {
      beneficiaryId: id,
      exportedAt: this.clock.now().toISOString(),
      case: caseAnswerOf(state, own.length - 1),
      history,
      accessLog: reads.map((event) => {
        const data = event.data as { purpose?: string; record?: string };
        return { at: event.metadata.occurredAt, reader: event.metadata.actor, purpose: String(data.purpose), record: String(data.record) };
      }),
    };
  }
}
