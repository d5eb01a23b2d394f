import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageEvent } from '@nestjs/common';
import { SqliteEventStore } from '@oriental/event-store';
import { beneficiaryStream, toStored } from '@oriental/intake-domain';
import { loadReferenceData } from '@oriental/reference-data';
import { loadConfig } from '@oriental/service-kit';
import { eventually } from '@oriental/testing';
import { Subscription } from 'rxjs';
import { HubFeed } from '../src/hub/hub-feed';

// Setup appends 1,500 events one by one (a history to not read): seconds on a busy CI machine.
jest.setTimeout(60_000);

/**
 * The hub feed's costs and its seam, on a real SQLite event store: every client shares one
 * follower of the log; a reconnecting client reads what it missed, not the history; and a client
 * that reconnects while events keep coming gets each of them once, in order.
 */
describe('HubFeed', () => {
  let dataDir: string;
  let store: SqliteEventStore;
  let feed: HubFeed;
  const subscriptions: Subscription[] = [];

  /** A registration appended as intake stores it (the person sealed by a stand-in), in a cell. */
  const register = async (cellId = 'oujda'): Promise<string> => {
    const beneficiaryId = randomUUID();
    const at = new Date().toISOString();
    const stored = await toStored(
      {
        type: 'BeneficiaryRegistered',
        data: {
          beneficiaryId,
          cellId,
          category: 'mre',
          sex: 'female',
          birthYear: 1990,
          nationality: 'MA',
          consent: { services: true, sharing: false, statistics: true },
          profile: {},
          person: { firstName: 'Amina', lastName: 'Benali' },
          registeredAt: at,
        },
      } as Parameters<typeof toStored>[0],
      async () => ({ alg: 'A256GCM' as const, kid: beneficiaryId, iv: 'aXY=', tag: 'dGFn', ciphertext: 'c2VhbGVk' }),
    );
    const metadata = { beneficiaryId, cellId, correlationId: randomUUID(), causationId: randomUUID(), actor: 'agent:spec', occurredAt: at };
    return (await store.appendToStream(beneficiaryStream(beneficiaryId), [{ id: randomUUID(), ...stored, metadata }], { expectedRevision: 'no_stream' })).position;
  };

  /** A client: the events it received (comments left out), until unsubscribed. */
  const client = (after?: string) => {
    const events: MessageEvent[] = [];
    const subscription = feed.stream(after, () => true).subscribe((message) => message.data !== undefined && events.push(message));
    subscriptions.push(subscription);
    return { events, ids: () => events.map((event) => event.id!), close: () => subscription.unsubscribe() };
  };

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hub-feed-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error' });
    store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    feed = new HubFeed(store, loadReferenceData(), config);
    await feed.onApplicationBootstrap();
  });

  afterEach(async () => {
    subscriptions.splice(0).forEach((subscription) => subscription.unsubscribe());
    await feed.onApplicationShutdown();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves every client from one follower of the log', async () => {
    const followers = () => (store as unknown as { subscriptions: Set<unknown> }).subscriptions.size;
    expect(followers()).toBe(1);
    const clients = Array.from({ length: 50 }, () => client());
    await register();
    await eventually(() => expect(clients.every((c) => c.events.length === 1)).toBe(true));
    expect(followers()).toBe(1);
  });

  it('makes a reconnecting client read what it missed, not the history', async () => {
    let history = '';
    for (let n = 0; n < 1_500; n++) history = await register();
    // A client without Last-Event-ID gets what comes after the shared follower's position: let it reach the history's end first.
    await eventually(() => expect(feed.position).toBe(history));
    const live = client();
    const last = await register();
    await eventually(() => expect(live.ids()).toEqual([last]));
    live.close();
    const missed = [await register(), await register(), await register()];
    await eventually(() => expect(feed.position).toBe(missed[2]));

    store.stats.rowsVisited = 0;
    const back = client(last);
    await eventually(() => expect(back.ids()).toEqual(missed));
    // The three rows it missed (and at most the follower's own look at an empty head), not 1,504.
    expect(store.stats.rowsVisited).toBeLessThanOrEqual(missed.length + 1);
  });

  it('gives a client that reconnects while events keep coming each event once, in order', async () => {
    const witness = client();
    const appended: string[] = [];
    let back: ReturnType<typeof client> | undefined;
    for (let n = 0; n < 300; n++) {
      appended.push(await register(n % 2 === 0 ? 'oujda' : 'nador'));
      // Reconnect from the 20th event while the log goes on growing under the catch-up.
      if (n === 150) back = client(appended[19]);
      if (n % 10 === 0) await new Promise(setImmediate);
    }
    await eventually(() => expect(witness.ids()).toEqual(appended));
    await eventually(() => expect(back!.ids()).toEqual(appended.slice(20)));
  });
});
