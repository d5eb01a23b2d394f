import { openEventStore, ServiceConfig } from '@oriental/service-kit';

/** Events per page of the raw read: the same order of size as a rebuild's pages. */
const PAGE_SIZE = 1000;

/**
 * The floor of any replay: the whole log read in order through the port (`readAll` with no
 * filter, page after page), only counting events. Also counts registrations, which is what the
 * network report must reach once caught up, and answers the log's head, which every log
 * follower must reach.
 */
export const readWholeLog = async (
  config: ServiceConfig,
  onProgress?: (events: number) => void,
): Promise<{ events: number; registrations: number; seconds: number; head: string | undefined }> => {
  const store = await openEventStore(config);
  try {
    const started = performance.now();
    let events = 0;
    let registrations = 0;
    let after: string | undefined;
    for (;;) {
      const page = await store.readAll({ ...(after !== undefined ? { after } : {}), maxCount: PAGE_SIZE });
      events += page.events.length;
      for (const event of page.events) if (event.type === 'BeneficiaryRegistered') registrations += 1;
      if (page.checkpoint !== undefined) after = page.checkpoint;
      onProgress?.(events);
      if (page.endOfLog || page.events.length === 0) break;
    }
    return { events, registrations, seconds: (performance.now() - started) / 1000, head: after };
  } finally {
    await store.close();
  }
};
