import { Controller, Get, HttpStatus, Inject, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ReadPurpose } from '@oriental/contracts';
import { fold } from '@oriental/domain-kit';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { beneficiaryDecider, beneficiaryStream } from '@oriental/intake-domain';
import { ReferenceData } from '@oriental/reference-data';
import {
  Allow,
  ApiProblemResponse,
  ApiReadPurpose,
  ApiResponseOf,
  Caller,
  etagOf,
  Principal,
  Purpose,
  REFERENCE_DATA,
  uuidParam,
} from '@oriental/service-kit';
import type { Response } from 'express';
import { AccessLog } from '../access-log/access-log';
import { BeneficiaryCodec } from '../beneficiary.codec';
import { CASE_READERS, caseNotFound, seesCase } from '../casework/case-access';
import { BeneficiaryCaseAnswer, beneficiaryCaseAnswer, caseAnswerOf } from './get-beneficiary.dto';

@ApiTags('beneficiaries')
@Controller('beneficiaries')
export class GetBeneficiaryController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
    private readonly codec: BeneficiaryCodec,
    private readonly accessLog: AccessLog,
  ) {}

  @Allow(...CASE_READERS)
  @Get(':id')
  @ApiOperation({ summary: "A beneficiary's case, folded from their stream, personal data opened for intake; the read is logged with its purpose" })
  @ApiReadPurpose()
  @ApiResponseOf(HttpStatus.OK, beneficiaryCaseAnswer, 'The case; ETag is the stream revision, for If-Match on later commands')
  @ApiProblemResponse(400, 'VALIDATION_FAILED: the id is not a UUID; PURPOSE_REQUIRED or PURPOSE_INVALID: X-Purpose missing or not in the list')
  @ApiProblemResponse(404, "BENEFICIARY_NOT_FOUND: no such beneficiary, or one of a cell the caller does not see")
  async get(
    @Param('id', uuidParam('id')) id: string,
    @Caller() caller: Principal,
    @Purpose() purpose: ReadPurpose,
    @Res({ passthrough: true }) response: Response,
  ): Promise<BeneficiaryCaseAnswer> {
    const history = await this.store.readStream(beneficiaryStream(id));
    // Folded without the vault first: a case the caller may not see is never opened, nor logged as read.
    const visible = fold(beneficiaryDecider, await Promise.all(history.map((event) => this.codec.forDecisions.decode(event))));
    if (!seesCase(caller, visible, this.referenceData)) throw caseNotFound(id);
    await this.accessLog.record(caller, id, 'case', purpose);
    const state = fold(beneficiaryDecider, await Promise.all(history.map((event) => this.codec.decode(event))));
    if (state.status === 'unknown') throw caseNotFound(id);
    const revision = history.length - 1;
    response.setHeader('ETag', etagOf(revision));
    return caseAnswerOf(state, revision);
  }
}
