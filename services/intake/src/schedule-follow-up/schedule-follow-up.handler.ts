import { Injectable } from '@nestjs/common';
import { CommandContext, keyedId } from '@oriental/service-kit';
import { BeneficiaryCommands } from '../casework/beneficiary-commands';
import { ScheduleFollowUpBody } from './schedule-follow-up.dto';

@Injectable()
export class ScheduleFollowUpHandler {
  constructor(private readonly commands: BeneficiaryCommands) {}

  async handle(beneficiaryId: string, body: ScheduleFollowUpBody, context: CommandContext) {
    // Derived from the key, so that a retried request schedules the same follow-up.
    const followUpId = keyedId(context, `follow-up:${beneficiaryId}`);
    const outcome = await this.commands.execute({ type: 'ScheduleFollowUp', data: { beneficiaryId, followUpId, ...body, now: context.now } }, context);
    return { followUpId, outcome };
  }
}
