import { publishCapacityBuildingEvent, StoredEvent, Topics } from '@oriental/contracts';
import { PARTICIPANT_CATEGORY, PROGRAMME_CATEGORY, SESSION_CATEGORY } from '@oriental/capacity-building-domain';
import { BusMessage, integrationMessage } from '@oriental/messaging';

/**
 * What the forwarder publishes for each capacity-building event: the published language, never a
 * participant's names, a session's trainer nor a certificate's code. Messages are keyed by their
 * stream (no beneficiary), so one session's enrolments arrive in order.
 */
export const toCapacityBuildingMessage = (event: StoredEvent): BusMessage | null => {
  const published = publishCapacityBuildingEvent(event);
  return published ? integrationMessage(Topics.capacityBuilding, event, published.type, published.schemaVersion, published.data) : null;
};

export const capacityBuildingStreamPrefixes = [`${PROGRAMME_CATEGORY}-`, `${SESSION_CATEGORY}-`, `${PARTICIPANT_CATEGORY}-`];
