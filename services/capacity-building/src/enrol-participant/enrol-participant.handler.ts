import { Inject, Injectable } from '@nestjs/common';
import { participantStream } from '@oriental/capacity-building-domain';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { CommandContext } from '@oriental/service-kit';
import { SessionCommands } from '../training/session-commands';
import { EnrolParticipantBody } from './enrol-participant.dto';

@Injectable()
export class EnrolParticipantHandler {
  constructor(
    private readonly sessions: SessionCommands,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async handle(sessionId: string, { participantId }: EnrolParticipantBody, context: CommandContext) {
    // Registered: their stream exists (its first event is the registration). Nothing of theirs is opened.
    const participantKnown = (await this.store.readStream(participantStream(participantId), { maxCount: 1 })).length > 0;
    const outcome = await this.sessions.run(sessionId, context, { type: 'EnrolParticipant', data: { participantId, participantKnown, actor: context.actor, now: context.now } });
    const [event] = outcome.events;
    return { status: event?.type === 'ParticipantWaitlisted' ? ('waitlisted' as const) : ('enrolled' as const), outcome };
  }
}
