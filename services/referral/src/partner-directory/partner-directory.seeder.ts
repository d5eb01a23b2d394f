import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ReferenceData } from '@oriental/reference-data';
import { PartnerListing, partnerDecider, partnerStream, sameListing } from '@oriental/referral-domain';
import { canonicalJson, Clock, CLOCK, COMMAND_EXECUTOR, CommandContext, CommandExecutor, REFERENCE_DATA, sha256 } from '@oriental/service-kit';
import { partnerCodec } from '../referral.codec';

const SEEDER = 'system:referral-partner-seed';

/**
 * Keeps the `partner-<id>` streams in step with the partner directory of the reference data, at
 * every boot. Idempotent however many instances boot at once: a listing already recorded
 * decides nothing; otherwise the command's Idempotency-Key (hence its event ids) derives from
 * the partner, the listing and the revision it was decided on, so racing instances append the
 * same event once and the loser is answered from the stream.
 */
@Injectable()
export class PartnerDirectorySeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('partner-directory');

  constructor(
    @Inject(COMMAND_EXECUTOR) private readonly executor: CommandExecutor,
    @Inject(REFERENCE_DATA) private readonly referenceData: ReferenceData,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    let recorded = 0;
    for (const partner of this.referenceData.partners) {
      const listing: PartnerListing = {
        partnerId: partner.id,
        name: partner.name,
        kind: partner.kind,
        provinces: [...partner.provinces],
        needs: [...partner.needs],
        responseDelayDays: partner.responseDelayDays,
      };
      if (await this.seed(listing)) recorded++;
    }
    if (recorded > 0) this.logger.log(`recorded ${recorded} partner listing(s) from reference data`);
  }

  /** Answers whether it appended. */
  private async seed(listing: PartnerListing): Promise<boolean> {
    const stream = partnerStream(listing.partnerId);
    const { state, revision } = await this.executor.load(stream, partnerDecider, partnerCodec);
    if (state.status === 'listed' && sameListing(state, listing)) return false;
    const hash = sha256(canonicalJson(listing));
    const context: CommandContext = {
      idempotencyKey: `partner-listing:${listing.partnerId}:${revision}:${hash.slice(0, 16)}`,
      requestHash: hash,
      actor: SEEDER,
      correlationId: `partner-listing:${listing.partnerId}`,
      causationId: 'reference-data:partners.json',
      now: this.clock.now(),
    };
    const outcome = await this.executor.execute({ stream, decider: partnerDecider, codec: partnerCodec, context, command: { type: 'ListPartner', data: { listing, actor: SEEDER, now: context.now } } });
    return !outcome.replayed && outcome.events.length > 0;
  }
}
