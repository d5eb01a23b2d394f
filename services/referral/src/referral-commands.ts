import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ReferralStatus, ReferralStatuses } from '@oriental/contracts';
import { ReferralCommand, referralDecider, ReferralEvent, referralStream } from '@oriental/referral-domain';
import { ReferenceData } from '@oriental/reference-data';
import { ApiCommand, COMMAND_EXECUTOR, CommandContext, CommandExecutor, etagOf, REFERENCE_DATA } from '@oriental/service-kit';
import type { Response } from 'express';
import { z } from 'zod';
import { referralNotFound, seesReferral } from './referral-access';
import { referralCodec } from './referral.codec';

/**
 * What every command on a referral (accept, decline, complete, revoke) answers: one definition
 * for the handlers' type (`z.output`) and the OpenAPI document (`ApiResponseOf`).
 */
export const referralCommandAnswer = z.object({
  referralId: z.uuid(),
  status: z.enum(ReferralStatuses).meta({ description: 'The status after the command' }),
});
export type ReferralCommandAnswer = z.output<typeof referralCommandAnswer>;

/** The OpenAPI of a command on an existing referral; `rules`: the 422 codes it may answer. */
export const ApiReferralCommand = (rules: string): MethodDecorator =>
  ApiCommand({ answer: { status: HttpStatus.OK, schema: referralCommandAnswer }, notFound: 'REFERRAL_NOT_FOUND', rules });

export interface ReferralCommandOutcome {
  referralId: string;
  status: ReferralStatus;
  revision: number;
  replayed: boolean;
  events: ReferralEvent[];
}

/**
 * Runs a command on an existing referral through the executor (Idempotency-Key, If-Match,
 * racing writers); the codec puts its beneficiary and current cell in every event's metadata,
 * and the decider refuses a referral never sent (404), as the caller's scope refuses one they
 * may not see (a partner: those addressed to it; cell staff: their cell's).
 */
@Injectable()
export class ReferralCommands {
  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
  ) {}

  async run(referralId: string, context: CommandContext, command: ReferralCommand): Promise<ReferralCommandOutcome> {
    const { principal } = context;
    const outcome = await this.executor.execute({
      stream: referralStream(referralId),
      decider: referralDecider,
      codec: referralCodec,
      context,
      command,
      authorize: (state) => {
        if (principal && (state.status === 'none' || !seesReferral(principal, state, this.referenceData))) throw referralNotFound(referralId);
      },
    });
    // A command the decider lets through on a referral never sent (a reaction with nothing to do).
    if (outcome.state.status === 'none') throw referralNotFound(referralId);
    return { referralId, status: outcome.state.status, revision: outcome.revision, replayed: outcome.replayed, events: outcome.events };
  }
}

/** ETag (the stream's revision, for If-Match) and Idempotent-Replayed on a command's answer. */
export const answerCommand = (response: Response, outcome: { revision: number; replayed: boolean }): void => {
  response.setHeader('ETag', etagOf(outcome.revision));
  if (outcome.replayed) response.setHeader('Idempotent-Replayed', 'true');
};

