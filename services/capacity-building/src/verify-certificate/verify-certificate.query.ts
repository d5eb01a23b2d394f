import { Controller, Get, HttpStatus, Inject, Param, PipeTransform } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  CERTIFICATE_CODE_PATTERN,
  initialsOf,
  participantDecider,
  participantStream,
  programmeDecider,
  programmeStream,
  sessionDecider,
  sessionStream,
} from '@oriental/capacity-building-domain';
import { READ_STORE, ReadStore } from '@oriental/read-store';
import { ApiProblemResponse, ApiResponseOf, COMMAND_EXECUTOR, CommandExecutor, NotFound, Public, RequestValidationError } from '@oriental/service-kit';
import { ParticipantCodec, programmeCodec, sessionCodec } from '../capacity-building.codec';
import { enrolmentCertifiedBy, enrolmentsCollection } from '../enrolments/enrolments.projection';
import { CertificateAnswer, certificateAnswer } from './verify-certificate.dto';

/** A path code that cannot be a certificate's: 400, before anything is read. */
class CertificateCodePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!CERTIFICATE_CODE_PATTERN.test(value)) throw new RequestValidationError([{ field: 'code', message: 'must be a certificate code such as CB-7K3M-Q9XA-2D4F' }]);
    return value;
  }
}

const certificateNotFound = (code: string) => new NotFound('Certificate', code, 'CERTIFICATE_NOT_FOUND');

/**
 * The public check of a certificate: anyone holding its code (an employer, a commune) learns
 * whether it is genuine, for which programme and session, and the holder's initials, nothing
 * more. No token: the route is public (`@Public()`), throttled per address like any caller
 * without a token, and the code's 60 random bits make guessing one hopeless.
 */
@ApiTags('certificates')
@Controller('certificates')
export class VerifyCertificateQuery {
  constructor(
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    private readonly participants: ParticipantCodec,
  ) {}

  @Public()
  @Get(':code')
  @ApiOperation({ summary: 'Verifies a certificate by its code (public: no token); shows the holder’s initials only' })
  @ApiParam({ name: 'code', schema: { type: 'string', pattern: CERTIFICATE_CODE_PATTERN.source }, example: 'CB-7K3M-Q9XA-2D4F' })
  @ApiResponseOf(HttpStatus.OK, certificateAnswer, 'A genuine certificate')
  @ApiProblemResponse(400, 'VALIDATION_FAILED: not a certificate code (CB- and three groups of four of 0-9 A-Z but I, L, O, U)')
  @ApiProblemResponse(404, 'CERTIFICATE_NOT_FOUND: no certificate has this code')
  @ApiProblemResponse(429, 'RATE_LIMITED: too many requests from this address; Retry-After gives the seconds to wait')
  async verify(@Param('code', new CertificateCodePipe()) code: string): Promise<CertificateAnswer> {
    const enrolment = await enrolmentCertifiedBy(enrolmentsCollection(this.readStore), code);
    if (!enrolment?.issuedAt) throw certificateNotFound(code);
    const session = (await this.executor.load(sessionStream(enrolment.sessionId), sessionDecider, sessionCodec)).state;
    if (session.status === 'none') throw certificateNotFound(code);
    const [programme, holder] = await Promise.all([
      this.executor.load(programmeStream(session.programmeId), programmeDecider, programmeCodec),
      this.executor.load(participantStream(enrolment.participantId), participantDecider, this.participants),
    ]);
    const names = holder.state.status === 'registered' ? holder.state.names : null;
    return {
      code,
      holderInitials: names ? initialsOf(names) : null,
      programme: { title: programme.state.status === 'created' ? programme.state.title : '' },
      session: { startDate: session.startDate, endDate: session.endDate },
      issuedAt: enrolment.issuedAt,
    };
  }
}
