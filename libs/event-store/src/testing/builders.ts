import { randomUUID } from 'node:crypto';
import { EventMetadata, NewEvent } from '@oriental/contracts';

export interface EventOverrides extends Partial<Omit<NewEvent, 'metadata'>> {
  metadata?: Partial<EventMetadata>;
}

/** A valid envelope with a fresh id; override any field, metadata fields one by one. */
export const anEvent = ({ metadata, ...fields }: EventOverrides = {}): NewEvent => ({
  id: randomUUID(),
  type: 'SomethingHappened',
  schemaVersion: 1,
  data: { note: 'a fact worth keeping' },
  ...fields,
  metadata: {
    correlationId: randomUUID(),
    causationId: randomUUID(),
    actor: 'user:test-agent',
    occurredAt: new Date().toISOString(),
    ...metadata,
  },
});

/** A stream name no other test uses: `<category>-<uuid>`. */
export const aStream = (category = 'test'): string => `${category}-${randomUUID()}`;
