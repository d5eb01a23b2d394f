import { publishIntakeEvent, StoredEvent, Topics } from '@oriental/contracts';
import { BENEFICIARY_CATEGORY } from '@oriental/intake-domain';
import { BusMessage, integrationMessage } from '@oriental/messaging';

/** What the forwarder publishes for each intake event: the published language, never personal data. */
export const toIntakeMessage = (event: StoredEvent): BusMessage | null => {
  const published = publishIntakeEvent(event);
  return published ? integrationMessage(Topics.intake, event, published.type, published.schemaVersion, published.data) : null;
};

export const intakeStreamPrefixes = [`${BENEFICIARY_CATEGORY}-`];
