import { publishIntakeEvent, StoredEvent } from '@oriental/contracts';
import { EventStore } from '@oriental/event-store';
import { integrationEvent } from '@oriental/messaging';
import { ProjectionCheckpoints, ReadStore, rebuildProjection } from '@oriental/read-store';
import { NETWORK_REPORT_PROJECTION, NetworkReportProjection } from './network-report.projection';

const INTAKE_PREFIXES = ['beneficiary-'];

/**
 * Drops the network report and replays it from the event store. Each stored event goes through
 * intake's published language and the same envelope builder the forwarder uses, so a rebuilt report is
 * the same as one fed live.
 */
export const rebuildNetworkReport = async (
  eventStore: EventStore,
  readStore: ReadStore,
  onProgress?: (done: number) => void,
): Promise<{ events: number }> => {
  const projection = new NetworkReportProjection(readStore);
  let events = 0;
  await rebuildProjection<StoredEvent>({
    name: NETWORK_REPORT_PROJECTION,
    checkpoints: new ProjectionCheckpoints(readStore),
    collections: [projection.beneficiaries],
    readAll: (after, maxCount) => eventStore.readAll({ ...(after ? { after } : {}), maxCount, streamPrefixes: INTAKE_PREFIXES }),
    apply: async (stored) => {
      events += 1;
      const published = publishIntakeEvent(stored);
      if (!published) return;
      await projection.apply(integrationEvent(stored, published.type, published.schemaVersion, published.data));
    },
    ...(onProgress ? { onProgress } : {}),
  });
  return { events };
};

/** Counts the events a rebuild will read, for the progress bar's total. */
export const countIntakeEvents = async (eventStore: EventStore): Promise<number> => {
  let total = 0;
  let after: string | undefined;
  for (;;) {
    const page = await eventStore.readAll({ ...(after ? { after } : {}), maxCount: 5000, streamPrefixes: INTAKE_PREFIXES });
    if (page.length === 0) return total;
    total += page.length;
    after = page[page.length - 1]!.position;
  }
};
