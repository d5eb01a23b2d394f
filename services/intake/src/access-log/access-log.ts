import { Inject, Injectable } from '@nestjs/common';
import { accessLogStream, PERSONAL_DATA_READ, PersonalDataRead, ReadPurpose } from '@oriental/contracts';
import { EVENT_STORE, EventStore } from '@oriental/event-store';
import { Clock, CLOCK, newId, Principal } from '@oriental/service-kit';

/**
 * Appends a `PersonalDataRead` to the person's access log before their data is answered: a
 * read that cannot be logged is not answered (the append's error reaches the caller as a 5xx,
 * and no personal data leaves).
 */
@Injectable()
export class AccessLog {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(reader: Principal, beneficiaryId: string, record: PersonalDataRead['record'], purpose: ReadPurpose, correlationId = newId()): Promise<void> {
    const data: PersonalDataRead = { beneficiaryId, record, purpose, role: reader.role, ...(reader.cellId ? { readerCellId: reader.cellId } : {}) };
    await this.store.appendToStream(
      accessLogStream(beneficiaryId),
      [{ id: newId(), type: PERSONAL_DATA_READ, schemaVersion: 1, data, metadata: { correlationId, causationId: `read:${record}`, actor: reader.subject, occurredAt: this.clock.now().toISOString() } }],
      { expectedRevision: 'any' },
    );
  }
}
