import { Inject, Injectable, Logger } from '@nestjs/common';
import { IntakeIntegrationEvent, IntegrationEvent } from '@oriental/contracts';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { compareLogPositions } from '@oriental/read-store';
import { decodeReferralEvent, evolve, initialState, isOpen, Referral, REFERRAL_CATEGORY, ReferralCommand } from '@oriental/referral-domain';
import { Clock, CLOCK, CommandContext, sha256 } from '@oriental/service-kit';
import { ReferralCommands } from '../referral-commands';

/** Who the reactions act as, in every event they cause. */
const REFERRAL_SYSTEM_ACTOR = 'system:referral';

/**
 * Referral's reactions to intake's facts about a case:
 * - consent to sharing withdrawn → its open referrals are flagged; given again → the flag is cleared;
 * - case closed → its open referrals are revoked (`case_closed`);
 * - transfer accepted → its open referrals follow the case to the new cell.
 *
 * Idempotent under redelivery: each command's Idempotency-Key derives from the intake event's
 * id, and the key is recorded in the referral's stream with the event it caused, so a
 * redelivered fact is answered from the stream and appends nothing. A fact is applied only to
 * referrals sent before it (by log position), so that an old fact redelivered late never touches
 * a referral sent after it (e.g. a case closed, reopened, referred again).
 */
@Injectable()
export class IntakeReactions {
  private readonly logger = new Logger('intake-reactions');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commands: ReferralCommands,
  ) {}

  /** The command a fact asks of each open referral of the case, or null when it asks nothing. */
  private commandFor(event: IntakeIntegrationEvent, now: Date): ReferralCommand | null {
    const acting = { actor: REFERRAL_SYSTEM_ACTOR, now };
    switch (event.type) {
      case 'ConsentWithdrawn':
        return event.data.purpose === 'sharing' ? { type: 'FlagReferral', data: { ...acting, reason: 'consent_withdrawn' } } : null;
      case 'ConsentGiven':
        return event.data.purpose === 'sharing' ? { type: 'ClearReferralFlag', data: { ...acting, reason: 'consent_withdrawn' } } : null;
      case 'CaseClosed':
        return { type: 'RevokeForClosedCase', data: acting };
      case 'TransferAccepted':
        return { type: 'MoveReferral', data: { ...acting, transferId: event.data.transferId, fromCellId: event.data.fromCellId, toCellId: event.data.toCellId } };
      default:
        return null;
    }
  }

  async react(integrationEvent: IntegrationEvent): Promise<number> {
    const event = integrationEvent as IntakeIntegrationEvent;
    const command = this.commandFor(event, this.clock.now());
    if (!command) return 0;
    const referrals = await this.referralsOf(event.data.beneficiaryId, event.source.position);
    const context: CommandContext = {
      idempotencyKey: `intake-event:${event.id}`,
      requestHash: sha256(`${event.type} ${event.id}`),
      actor: REFERRAL_SYSTEM_ACTOR,
      correlationId: event.correlationId,
      causationId: event.id,
      now: command.data.now,
    };
    let changed = 0;
    for (const referralId of referrals) {
      const outcome = await this.commands.run(referralId, context, command);
      if (!outcome.replayed && outcome.events.length > 0) changed++;
    }
    if (changed > 0) this.logger.log({ msg: `${event.type}: ${changed} referral(s) changed`, beneficiaryId: event.data.beneficiaryId, eventId: event.id });
    return changed;
  }

  /**
   * The beneficiary's referrals sent before `before`, read from the log (the journey: every event
   * carrying the beneficiary's id), so that no lag of a read model hides one. Those closed
   * before the fact are left out; a closed one the fact already changed is kept, for its retry
   * is answered from its stream.
   */
  private async referralsOf(beneficiaryId: string, before: string): Promise<string[]> {
    const journey = await this.store.readJourney(beneficiaryId);
    const referrals = new Map<string, { sentBefore: boolean; state: Referral }>();
    for (const stored of journey) {
      if (!stored.stream.startsWith(`${REFERRAL_CATEGORY}-`)) continue;
      const id = stored.stream.slice(REFERRAL_CATEGORY.length + 1);
      const entry = referrals.get(id) ?? { sentBefore: stored.revision === 0 && compareLogPositions(stored.position, before) < 0, state: initialState };
      const beforeFact = compareLogPositions(stored.position, before) < 0;
      referrals.set(id, { sentBefore: entry.sentBefore, state: beforeFact ? evolve(entry.state, decodeReferralEvent(stored)) : entry.state });
    }
    return [...referrals].filter(([, { sentBefore, state }]) => sentBefore && isOpen(state)).map(([id]) => id);
  }
}
