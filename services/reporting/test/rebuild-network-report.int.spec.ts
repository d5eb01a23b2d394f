import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContractRegistry, IntakeContracts, NewEvent, publishIntakeEvent, Topics } from '@oriental/contracts';
import { createEventStore, EventStore } from '@oriental/event-store';
import { integrationMessage } from '@oriental/messaging';
import { createReadStore, ReadStore } from '@oriental/read-store';
import { rebuildReadModels } from '@oriental/service-kit';
import { NETWORK_BENEFICIARIES, NetworkCase, NetworkReportProjection } from '../src/network-report/network-report.projection';
import { aJourney, theScenario } from './journey-events';

const cells = ['oujda', 'nador', 'figuig'];
const categories = ['mre', 'returnee', 'rpt'] as const;

const registered = (i: number): NewEvent => {
  const beneficiaryId = randomUUID();
  return {
    id: randomUUID(),
    type: 'BeneficiaryRegistered',
    schemaVersion: 1,
    data: {
      beneficiaryId,
      cellId: cells[i % 3],
      category: categories[i % 3],
      sex: i % 2 ? 'male' : 'female',
      birthYear: 1960 + i,
      nationality: 'MA',
      consent: { services: true, sharing: false, statistics: i % 4 !== 0 },
      person: { alg: 'A256GCM', kid: beneficiaryId, iv: 'aXY=', tag: 'dGFn', ciphertext: 'c2VhbGVk' },
      registeredAt: '2026-07-15T09:30:00.000Z',
    },
    metadata: { beneficiaryId, correlationId: randomUUID(), causationId: randomUUID(), actor: 'agent:test', cellId: cells[i % 3], occurredAt: '2026-07-15T09:30:00.000Z' },
  };
};

const documents = async (store: ReadStore) =>
  (await store.collection<NetworkCase>(NETWORK_BENEFICIARIES).find()).map(({ id, data, checkpoint }) => ({ id, data, checkpoint }));

describe('rebuilding the network report from the event store', () => {
  let dir: string;
  let events: EventStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rebuild-'));
    events = await createEventStore({ kind: 'sqlite', file: join(dir, 'events.sqlite') });
    for (let i = 0; i < 30; i++) {
      const event = registered(i);
      await events.appendToStream(`beneficiary-${event.metadata.beneficiaryId}`, [event], { expectedRevision: 'no_stream' });
    }
    // Casework as intake stores it today: a case transferred and closed, one transferred, one closed and reopened.
    await theScenario().appendTo(events);
    await aJourney().registered('2026-07-02T09:00:00.000Z', { cellId: 'oujda' }).transferred('2026-07-03T09:00:00.000Z', '2026-07-04T09:00:00.000Z', 'berkane').appendTo(events);
    await aJourney().registered('2026-07-02T09:00:00.000Z', { cellId: 'nador' }).closed('2026-07-03T09:00:00.000Z').reopened('2026-07-04T09:00:00.000Z').appendTo(events);
    // Another context's stream: the rebuild must leave it alone.
    await events.appendToStream(`referral-${randomUUID()}`, [{ ...registered(99), type: 'ReferralRequested' }], { expectedRevision: 'no_stream' });
  });

  afterAll(async () => {
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives exactly what the live feed gave, and the same again when rebuilt twice', async () => {
    // Live: the same events as the forwarder publishes them, delivered twice (at-least-once).
    const live = await createReadStore({ kind: 'memory' });
    const projection = new NetworkReportProjection(live);
    const registry = new ContractRegistry(IntakeContracts);
    const { events: log } = await events.readAll({ maxCount: 1000, streamPrefixes: ['beneficiary-'] });
    const fed = [...log, ...log].flatMap((stored) => {
      const published = publishIntakeEvent(stored);
      if (!published) return [];
      const message = integrationMessage(Topics.intake, stored, published.type, published.schemaVersion, published.data);
      return [registry.parse(JSON.parse(message.value))];
    });
    // In batches of 7, so that redeliveries straddle batches.
    for (let start = 0; start < fed.length; start += 7) await projection.applyBatch(Topics.intake, fed.slice(start, start + 7));

    const rebuilt = await createReadStore({ kind: 'memory' });
    const rebuiltProjection = new NetworkReportProjection(rebuilt);
    const progress: number[] = [];
    const { events: replayed } = await rebuildReadModels(events, [rebuiltProjection], (done) => progress.push(done));
    // The beneficiary- streams only: 30 registrations, the casework's 8 + 3 + 3 intake events (not its referrals).
    expect(replayed).toBe(30 + 8 + 3 + 3);
    expect(progress[progress.length - 1]).toBe(replayed);
    expect(await documents(rebuilt)).toEqual(await documents(live));
    expect(await rebuiltProjection.figures()).toEqual(await projection.figures());
    expect(await rebuiltProjection.figures()).toEqual({
      beneficiaries: { total: 33, byCell: { oujda: 12, nador: 11, figuig: 10 }, byCategory: { mre: 10, returnee: 13, rpt: 10 } },
      // Registrations stay with the registering cell; open cases follow transfers and leave on closure.
      caseload: { open: 32, byCell: { oujda: 10, nador: 11, figuig: 10, berkane: 1 } },
    });

    await rebuildReadModels(events, [rebuiltProjection]);
    expect(await documents(rebuilt)).toEqual(await documents(live));
    expect(await rebuiltProjection.figures()).toEqual(await projection.figures());
  });
});
