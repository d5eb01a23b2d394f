import { IntegrationEvent, Topics } from '@oriental/contracts';
import { createReadStore, ReadStore } from '@oriental/read-store';
import { loadReferenceData } from '@oriental/reference-data';
import type { ReportQuery } from '../src/indicators/report-query';
import { TRAINING_REPORT_DOCUMENTS, TrainingDocument, TrainingReportProjection } from '../src/training-report/training-report.projection';
import { trainingReportOf } from '../src/training-report/training-report.query';
import { ofTopic, publishedEventsOf } from './published-events';
import { aTraining } from './training-events';

const referenceData = loadReferenceData();
const asked = (query: Partial<ReportQuery> = {}): ReportQuery => ({ period: {}, audience: 'internal', format: 'json', ...query });

/**
 * Four participants and two sessions, stored as capacity building stores them:
 * - at the Oujda cell in March: a cell officer and an elected official enrolled, a civil-society
 *   member waitlisted then promoted when the official withdrew; evaluated (+30 and +5 points);
 *   closed with two enrolled, the officer certified;
 * - for Nador province as a whole in April: the civil-society member again and another
 *   participant from Oujda-Angad, evaluated (−10), both certified.
 */
const scenario = () => {
  const ids: Record<string, string> = {};
  return aTraining()
    .participant('2026-02-20T09:00:00.000Z', { actorType: 'cell_officer', sex: 'female', province: 'oujda-angad' }, (id) => (ids.officer = id))
    .participant('2026-02-20T09:05:00.000Z', { actorType: 'elected_official', sex: 'male', province: 'berkane' }, (id) => (ids.official = id))
    .participant('2026-02-20T09:10:00.000Z', { actorType: 'civil_society_member', sex: 'female', province: 'nador' }, (id) => (ids.member = id))
    .participant('2026-02-20T09:15:00.000Z', { actorType: 'other', sex: 'male', province: 'oujda-angad' }, (id) => (ids.other = id))
    .session('2026-02-25T09:00:00.000Z', { cellId: 'oujda', province: 'oujda-angad' }, (session) =>
      session
        .enrolled('2026-03-01T09:00:00.000Z', ids.officer!)
        .enrolled('2026-03-01T09:10:00.000Z', ids.official!)
        .waitlisted('2026-03-01T09:20:00.000Z', ids.member!)
        .withdrawn('2026-03-02T09:00:00.000Z', ids.official!)
        .promoted('2026-03-02T09:00:00.000Z', ids.member!)
        .evaluated('2026-03-03T09:00:00.000Z', ids.officer!, 'pre', 40)
        .evaluated('2026-03-03T09:00:00.000Z', ids.member!, 'pre', 50)
        .evaluated('2026-03-05T16:00:00.000Z', ids.officer!, 'post', 70)
        .evaluated('2026-03-05T16:00:00.000Z', ids.member!, 'post', 55)
        .closed('2026-03-05T17:00:00.000Z', [ids.officer!, ids.member!], [ids.officer!]),
    )
    .session('2026-03-20T09:00:00.000Z', { cellId: null, province: 'nador' }, (session) =>
      session
        .enrolled('2026-04-01T09:00:00.000Z', ids.other!)
        .enrolled('2026-04-01T09:10:00.000Z', ids.member!)
        .evaluated('2026-04-10T09:00:00.000Z', ids.other!, 'pre', 60)
        .evaluated('2026-04-12T16:00:00.000Z', ids.other!, 'post', 50)
        .closed('2026-04-12T17:00:00.000Z', [ids.other!, ids.member!], [ids.other!, ids.member!]),
    );
};

describe('the training report projection', () => {
  let store: ReadStore;
  let projection: TrainingReportProjection;
  let events: IntegrationEvent[];
  const training = async (query: Partial<ReportQuery> = {}) => trainingReportOf(await projection.counts(query.period), asked(query), referenceData).training;
  const documents = async () => (await store.collection<TrainingDocument>(TRAINING_REPORT_DOCUMENTS).find()).map(({ id, data, checkpoint }) => ({ id, data, checkpoint }));

  beforeAll(async () => {
    events = ofTopic(await publishedEventsOf(scenario()), Topics.capacityBuilding);
  });

  beforeEach(async () => {
    store = await createReadStore({ kind: 'memory' });
    projection = new TrainingReportProjection(store);
  });

  afterEach(() => store.close());

  describe('given the two sessions, delivered once in log order', () => {
    beforeEach(async () => {
      await projection.applyBatch(Topics.capacityBuilding, events);
    });

    it('counts people trained and certified by actor type, sex, province and cell; a withdrawal gives the place back', async () => {
      const { trained, completed } = await training();
      expect(trained).toEqual({
        total: 4,
        byActorType: { cell_officer: 1, civil_society_member: 2, other: 1 },
        bySex: { female: 3, male: 1 },
        // The Oujda session's two at its cell's province; the Nador-wide session's at each participant's own province.
        byProvince: { nador: 1, 'oujda-angad': 3 },
        byCell: { oujda: 2 },
      });
      expect(completed).toEqual({ total: 3, byActorType: { cell_officer: 1, civil_society_member: 1, other: 1 }, bySex: { female: 2, male: 1 }, byProvince: { nador: 1, 'oujda-angad': 2 }, byCell: { oujda: 1 } });
    });

    it("gives the completion rate of the sessions closed, from their own figures, and the mean score gain", async () => {
      expect(await training()).toMatchObject({ sessionsClosed: 2, completionRate: 0.75, scoreGain: { evaluated: 3, mean: 8.33 } });
      expect(await training({ period: { from: '2026-03-01', to: '2026-03-31' } })).toMatchObject({
        trained: { total: 2 },
        completed: { total: 1 },
        sessionsClosed: 1,
        completionRate: 0.5,
        scoreGain: { evaluated: 2, mean: 17.5 },
      });
      expect(await training({ province: 'nador' })).toMatchObject({ trained: { total: 1 }, sessionsClosed: 1, completionRate: 1 });
      expect(await training({ cellId: 'oujda' })).toMatchObject({ trained: { total: 2 }, completed: { total: 1 }, completionRate: 0.5 });
    });

    it('shows the public every actor type and sex, small counts as "<5", and no mean over fewer than 5', async () => {
      expect(await training({ audience: 'public' })).toMatchObject({
        trained: { total: '<5', byActorType: { cell_officer: '<5', civil_society_member: '<5', elected_official: '<5', other: '<5' }, bySex: { female: '<5', male: '<5' } },
        completionRate: null,
        scoreGain: { evaluated: '<5', mean: null },
      });
    });
  });

  describe('under redelivery', () => {
    let once: unknown;

    beforeEach(async () => {
      await projection.applyBatch(Topics.capacityBuilding, events);
      once = { training: await training(), march: await training({ period: { from: '2026-03-01', to: '2026-03-31' } }), documents: await documents() };
      await store.close();
      store = await createReadStore({ kind: 'memory' });
      projection = new TrainingReportProjection(store);
    });

    it('gives the same figures when sessions come before the participants they enrol (keyed by stream, they may)', async () => {
      const ofSessions = events.filter((event) => event.source.stream.startsWith('session-'));
      await projection.applyBatch('capacity-building#1', ofSessions);
      expect((await training()).trained.byActorType).toEqual({ unknown: 4 });
      await projection.applyBatch('capacity-building#0', events.filter((event) => !ofSessions.includes(event)));
      expect({ training: await training(), march: await training({ period: { from: '2026-03-01', to: '2026-03-31' } }), documents: await documents() }).toEqual(once);
    });

    it('counts each event once when batches come again, whole, in part or backwards, on their lane or another', async () => {
      for (let start = 0; start < events.length; start += 4) await projection.applyBatch('p0', events.slice(start, start + 4));
      await projection.applyBatch('p0', events);
      await projection.applyBatch('p0', events.slice(3, 11));
      for (const event of [...events].reverse()) await projection.applyBatch('p1', [event]);
      expect({ training: await training(), march: await training({ period: { from: '2026-03-01', to: '2026-03-31' } }), documents: await documents() }).toEqual(once);
    });
  });
});
