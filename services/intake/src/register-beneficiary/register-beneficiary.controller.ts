import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, ApiBodyOf, ApiProblemResponse, CommandContext, CommandRequest, etagOf, ZodBodyPipe } from '@oriental/service-kit';
import type { Response } from 'express';
import { BeneficiaryCreatedDto, RegisterBeneficiaryBody, registerBeneficiaryBody } from './register-beneficiary.dto';
import { RegisterBeneficiaryHandler } from './register-beneficiary.handler';
import { CASE_STAFF } from '../casework/case-access';

@ApiTags('beneficiaries')
@Controller('beneficiaries')
export class RegisterBeneficiaryController {
  constructor(private readonly handler: RegisterBeneficiaryHandler) {}

  @Allow(...CASE_STAFF)
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Registers a beneficiary at a reception cell' })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'Same key and body: same answer, nothing appended again' })
  @ApiBodyOf(registerBeneficiaryBody)
  @ApiCreatedResponse({ type: BeneficiaryCreatedDto, description: 'Registered; with the beneficiaries who may be the same person' })
  @ApiProblemResponse(400, 'Invalid or unknown field, unknown cell, missing Idempotency-Key (problem details with field errors)')
  @ApiProblemResponse(409, 'IDEMPOTENCY_KEY_REUSED: the key was used with another body')
  @ApiProblemResponse(422, 'A business rule refused it (e.g. CONSENT_TO_SERVICES_REQUIRED)')
  async register(
    @Body(new ZodBodyPipe(registerBeneficiaryBody)) body: RegisterBeneficiaryBody,
    @CommandRequest() context: CommandContext,
    @Res({ passthrough: true }) response: Response,
  ): Promise<BeneficiaryCreatedDto> {
    const { beneficiaryId, revision, replayed, possibleDuplicates } = await this.handler.handle(body, context);
    response.setHeader('Location', `/beneficiaries/${beneficiaryId}`);
    response.setHeader('ETag', etagOf(revision));
    if (replayed) response.setHeader('Idempotent-Replayed', 'true');
    return { beneficiaryId, possibleDuplicates };
  }
}
