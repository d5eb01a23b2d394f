import { Inject, Injectable } from '@nestjs/common';
import { ReferenceData } from '@oriental/reference-data';
import { partnerDecider, partnerStream, referralDecider, referralStream } from '@oriental/referral-domain';
import { COMMAND_EXECUTOR, CommandContext, CommandExecutor, keyedId, REFERENCE_DATA, RequestValidationError, seesCell } from '@oriental/service-kit';
import { BeneficiaryCaseProjection } from '../beneficiary-case/beneficiary-case.projection';
import { partnerCodec, referralCodec } from '../referral.codec';
import { SendReferralBody } from './send-referral.dto';

@Injectable()
export class SendReferralHandler {
  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
    @Inject(BeneficiaryCaseProjection) private readonly cases: BeneficiaryCaseProjection,
  ) {}

  async handle(body: SendReferralBody, context: CommandContext): Promise<{ referralId: string; revision: number; replayed: boolean }> {
    if (!this.referenceData.isKnownNeed(body.need)) throw new RequestValidationError([{ field: 'need', message: `unknown need "${body.need}"` }]);
    // Derived from the key, so a retried send finds the stream it created.
    const referralId = keyedId(context, 'referral');
    // The case as intake's events told it (eventually consistent); the partner from its own stream.
    const [known, partner] = await Promise.all([
      this.cases.find(body.beneficiaryId),
      this.executor.load(partnerStream(body.partnerId), partnerDecider, partnerCodec),
    ]);
    // A case of a cell the caller does not see is, for them, a case referral does not know.
    const beneficiary = known && (!context.principal || seesCell(context.principal, known.cellId, this.referenceData)) ? known : undefined;
    const outcome = await this.executor.execute({
      stream: referralStream(referralId),
      decider: referralDecider,
      codec: referralCodec,
      context,
      command: {
        type: 'SendReferral',
        data: {
          referralId,
          beneficiaryId: body.beneficiaryId,
          need: body.need,
          partnerId: body.partnerId,
          ...(body.note !== undefined ? { note: body.note } : {}),
          ...(body.override ? { override: { reason: body.override.reason } } : {}),
          beneficiary: beneficiary ? { cellId: beneficiary.cellId, sharing: beneficiary.sharing, status: beneficiary.status } : null,
          partner:
            partner.state.status === 'listed'
              ? { partnerId: partner.state.partnerId, needs: partner.state.needs, responseDelayDays: partner.state.responseDelayDays }
              : null,
          actor: context.actor,
          now: context.now,
        },
      },
    });
    return { referralId, revision: outcome.revision, replayed: outcome.replayed };
  }
}
