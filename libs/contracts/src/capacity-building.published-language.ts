import { StoredEvent } from './envelope';
import { capacityBuildingEventSchemas, CapacityBuildingIntegrationEvent } from './capacity-building.events';

/**
 * Capacity building's published language: how a stored event of a `programme-<id>`,
 * `session-<id>` or `participant-<id>` stream becomes what other contexts may see, for the
 * service's forwarder (live) and for any read model rebuilt from the log (replay). It lives in
 * contracts for the same reason as intake's (`intake.published-language.ts`).
 *
 * Each stored event of version 1 is parsed by its contract's schema, which keeps the fields the
 * contract names and drops every other: a participant's sealed names, a programme's objectives,
 * a session's trainer and a certificate's verification code stay in the service. Events with no
 * contract publish nothing.
 */
export type CapacityBuildingPublished = {
  [Type in CapacityBuildingIntegrationEvent['type']]: { type: Type; schemaVersion: 1; data: Extract<CapacityBuildingIntegrationEvent, { type: Type }>['data'] };
}[CapacityBuildingIntegrationEvent['type']];

const isPublishedType = (type: string): type is CapacityBuildingIntegrationEvent['type'] => Object.hasOwn(capacityBuildingEventSchemas, type);

export const publishCapacityBuildingEvent = (event: StoredEvent): CapacityBuildingPublished | null => {
  if (event.schemaVersion !== 1 || !isPublishedType(event.type)) return null;
  return { type: event.type, schemaVersion: 1, data: capacityBuildingEventSchemas[event.type].parse(event.data) } as CapacityBuildingPublished;
};
