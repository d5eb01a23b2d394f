import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, EventStore } from '@oriental/event-store';
import { createReadStore, ReadStore } from '@oriental/read-store';
import { rebuildReadModels } from '@oriental/service-kit';
import type { Period } from '../src/indicators/dated-counts';
import { IndicatorReadModel, indicatorReadModels } from '../src/indicators/indicators.module';
import { aJourney, theScenario } from './journey-events';
import { onTheBus } from './published-events';
import { aTraining } from './training-events';

const cells = ['oujda', 'nador', 'figuig'];
const categories = ['mre', 'returnee', 'rpt'] as const;

/** Periods every read model is compared over: all time, whole months, ragged ends, open ends, nothing. */
const PERIODS: Period[] = [{}, { from: '2026-07-01', to: '2026-07-31' }, { from: '2026-07-03', to: '2026-08-10' }, { to: '2026-07-15' }, { from: '2026-08-01' }, { from: '2027-01-01' }];

/** What a read model answers: its documents (data and checkpoint) and its counts of every period (summed over lanes, whichever lanes counted them). */
const stateOf = async (model: IndicatorReadModel) => ({
  documents: (await model.documents.find()).map(({ id, data, checkpoint }) => ({ id, data, checkpoint })),
  counts: await Promise.all(PERIODS.map(async (period) => [...(await model.counts(period))].map(([place, counts]) => [place, Object.fromEntries(counts)]).sort())),
});

describe('rebuilding the reports’ read models from the event store', () => {
  let dir: string;
  let events: EventStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rebuild-'));
    events = await createEventStore({ kind: 'sqlite', file: join(dir, 'events.sqlite') });
    for (let i = 0; i < 30; i++) {
      await aJourney()
        .registered(`2026-07-${String(1 + (i % 28)).padStart(2, '0')}T09:30:00.000Z`, { cellId: cells[i % 3], category: categories[i % 3], sex: i % 2 ? 'male' : 'female', birthYear: 1960 + i, consent: { services: true, sharing: false, statistics: i % 4 !== 0 } })
        .appendTo(events);
    }
    // Casework of every kind the reports count, as intake and referral store it.
    await theScenario().appendTo(events);
    await aJourney().registered('2026-07-02T09:00:00.000Z', { cellId: 'oujda' }).transferred('2026-07-03T09:00:00.000Z', '2026-07-04T09:00:00.000Z', 'berkane').appendTo(events);
    await aJourney()
      .registered('2026-07-02T09:00:00.000Z', { cellId: 'nador', category: 'rpt' })
      .needsAssessed('2026-07-03T09:00:00.000Z', [{ code: 'health', priority: 'high' }])
      .referralSent('2026-07-03T10:00:00.000Z', 'hospital-nador', 'health', { answerDueBy: '2026-07-08T10:00:00.000Z' })
      .followUpScheduled('2026-07-03T11:00:00.000Z', randomUUID(), '2026-07-10')
      .transferRequested('2026-07-04T09:00:00.000Z', 'driouch')
      .transferDeclined('2026-07-05T09:00:00.000Z')
      .closed('2026-07-06T09:00:00.000Z')
      .reopened('2026-08-04T09:00:00.000Z')
      .consentWithdrawn('2026-08-05T09:00:00.000Z', 'statistics')
      .appendTo(events);
    // Training: two participants, one session closed with one certificate, another under way.
    const trainees: string[] = [];
    await aTraining()
      .participant('2026-07-01T09:00:00.000Z', { actorType: 'cell_officer', sex: 'female', province: 'nador' }, (id) => trainees.push(id))
      .participant('2026-07-01T09:05:00.000Z', { actorType: 'elected_official', sex: 'male', province: 'figuig' }, (id) => trainees.push(id))
      .session('2026-07-02T09:00:00.000Z', { cellId: 'nador', province: 'nador' }, (session) =>
        session
          .enrolled('2026-07-03T09:00:00.000Z', trainees[0]!)
          .enrolled('2026-07-03T09:05:00.000Z', trainees[1]!)
          .evaluated('2026-07-03T10:00:00.000Z', trainees[0]!, 'pre', 35)
          .evaluated('2026-07-09T16:00:00.000Z', trainees[0]!, 'post', 80)
          .closed('2026-07-09T17:00:00.000Z', trainees, [trainees[0]!]),
      )
      .session('2026-08-02T09:00:00.000Z', { cellId: null, province: 'figuig' }, (session) => session.enrolled('2026-08-03T09:00:00.000Z', trainees[1]!))
      .appendTo(events);
    // A stream no report follows.
    await aJourney().unknownEvent('2026-07-05T09:00:00.000Z').appendTo(events);
  });

  afterAll(async () => {
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives, for every read model, exactly what the live feed gave, and the same again when rebuilt twice', async () => {
    expect(indicatorReadModels(await createReadStore({ kind: 'memory' })).map((model) => model.name)).toEqual(['network-report', 'referral-report', 'training-report']);
    // Live: the events as the forwarders publish them, each topic on its lane, delivered twice (at least once), in batches of 7 that straddle the redelivery.
    const live = await createReadStore({ kind: 'memory' });
    const liveModels = indicatorReadModels(live);
    const { events: log } = await events.readAll({ maxCount: 10_000 });
    const fed = [...log, ...log].flatMap((stored) => onTheBus(stored) ?? []);
    for (const model of liveModels) {
      const follows = fed.filter(({ event }) => model.streamPrefixes.some((prefix) => event.source.stream.startsWith(prefix)));
      for (let start = 0; start < follows.length; start += 7) {
        const batch = follows.slice(start, start + 7);
        for (const topic of new Set(batch.map((message) => message.topic))) {
          await model.applyBatch(
            topic,
            batch.filter((message) => message.topic === topic).map(({ event }) => event),
          );
        }
      }
    }

    const rebuilt: ReadStore = await createReadStore({ kind: 'memory' });
    const rebuiltModels = indicatorReadModels(rebuilt);
    const progress: number[] = [];
    const { events: replayed } = await rebuildReadModels(events, rebuiltModels, (done) => progress.push(done));
    expect(replayed).toBe(log.filter((stored) => /^(beneficiary|referral|participant|session)-/.test(stored.stream)).length);
    expect(progress[progress.length - 1]).toBe(replayed);

    expect(rebuiltModels.map((model) => model.name)).toEqual(liveModels.map((model) => model.name));
    for (const [index, model] of rebuiltModels.entries()) {
      const state = await stateOf(model);
      expect({ model: model.name, ...state }).toEqual({ model: model.name, ...(await stateOf(liveModels[index]!)) });
      expect(state.documents.length).toBeGreaterThan(3);
      expect(state.counts[0]!.length).toBeGreaterThan(1);
    }

    await rebuildReadModels(events, rebuiltModels);
    for (const [index, model] of rebuiltModels.entries()) expect(await stateOf(model)).toEqual(await stateOf(liveModels[index]!));
    await Promise.all([live.close(), rebuilt.close()]);
  });
});
