import { Inject, Injectable } from '@nestjs/common';
import { programmeDecider, programmeStream } from '@oriental/capacity-building-domain';
import { ReferenceData } from '@oriental/reference-data';
import { COMMAND_EXECUTOR, CommandContext, CommandExecutor, keyedId, REFERENCE_DATA, RequestValidationError } from '@oriental/service-kit';
import { programmeCodec } from '../capacity-building.codec';
import { SessionCommands } from '../training/session-commands';
import { ScheduleSessionBody } from './schedule-session.dto';

@Injectable()
export class ScheduleSessionHandler {
  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
    private readonly sessions: SessionCommands,
  ) {}

  async handle(body: ScheduleSessionBody, context: CommandContext) {
    const { programmeId, cellId, startDate, endDate, trainer, capacity, modality } = body;
    const province = this.provinceOf(body);
    const programme = (await this.executor.load(programmeStream(programmeId), programmeDecider, programmeCodec)).state;
    // Derived from the key, so a retried scheduling finds the stream it created.
    const sessionId = keyedId(context, 'session');
    const outcome = await this.sessions.run(sessionId, context, {
      type: 'ScheduleSession',
      data: {
        sessionId,
        programmeId,
        programme: programme.status === 'created' ? { programmeId, minAttendance: programme.minAttendance } : null,
        ...(cellId !== undefined ? { cellId } : {}),
        province,
        startDate,
        endDate,
        trainer,
        capacity,
        modality,
        actor: context.actor,
        now: context.now,
      },
    });
    return { sessionId, outcome };
  }

  /** The cell's province, or the province named; an id the reference data does not know is a bad request. */
  private provinceOf({ cellId, province }: ScheduleSessionBody): string {
    if (cellId !== undefined) {
      const cell = this.referenceData.cell(cellId);
      if (!cell) throw new RequestValidationError([{ field: 'cellId', message: `unknown cell "${cellId}"` }]);
      return cell.province;
    }
    if (!province || !this.referenceData.isKnownProvince(province)) throw new RequestValidationError([{ field: 'province', message: `unknown province "${province}"` }]);
    return province;
  }
}
