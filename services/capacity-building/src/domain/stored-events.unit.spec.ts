import { StoredEvent } from '@oriental/contracts';
import { fold } from '@oriental/domain-kit';
import { ParticipantEvent, participantDecider } from '.';
import { decodeParticipantEvent, decodeSessionEvent, encodeCapacityBuildingEvent, sealedNamesOf } from './stored-events';

const participantId = '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01';
const registered: ParticipantEvent = {
  type: 'ParticipantRegistered',
  data: {
    participantId,
    actorType: 'cell_officer',
    sex: 'male',
    organisation: 'Cellule de Nador',
    commune: 'nador',
    province: 'nador',
    registeredAt: '2026-02-01T09:00:00.000Z',
    names: { firstName: 'Karim', lastName: 'Tazi' },
    by: 'trainer:1',
  },
};
const sealed = { alg: 'A256GCM' as const, kid: participantId, iv: 'aXY=', tag: 'dGFn', ciphertext: 'c2VhbGVk' };
const stored = (event: { type: string; schemaVersion: number; data: unknown }): StoredEvent => ({
  ...event,
  id: '3f0e6c1a-8d4b-4c2e-9f1a-0b2c3d4e5f60',
  metadata: { correlationId: 'c', causationId: 'c', actor: 'trainer:1', occurredAt: '2026-02-01T09:00:00.000Z' },
  stream: `participant-${participantId}`,
  revision: 0,
  position: '1',
});

describe('capacity building’s stored events', () => {
  it('store a participant’s names sealed, and nothing else of them in clear', async () => {
    const encoded = await encodeCapacityBuildingEvent(registered, async () => sealed);
    expect(encoded).toEqual({ type: 'ParticipantRegistered', schemaVersion: 1, data: { ...registered.data, names: sealed } });
    expect(JSON.stringify(encoded)).not.toMatch(/Karim|Tazi/);
    expect(sealedNamesOf(stored(encoded))).toEqual(sealed);
  });

  it('decode a participant with the names opened, or left closed (null) for a reader without the vault', async () => {
    const event = stored(await encodeCapacityBuildingEvent(registered, async () => sealed));
    expect(decodeParticipantEvent(event, { firstName: 'Karim', lastName: 'Tazi' })).toEqual(registered);
    expect(fold(participantDecider, [decodeParticipantEvent(event)])).toMatchObject({ status: 'registered', names: null, actorType: 'cell_officer' });
  });

  it('refuse an event of another category or version rather than guess', () => {
    expect(() => decodeSessionEvent({ type: 'ParticipantRegistered', schemaVersion: 1, data: {} })).toThrow(/Unknown session event type/);
    expect(() => decodeSessionEvent({ type: 'ParticipantEnrolled', schemaVersion: 2, data: {} })).toThrow(/Unknown schema version 2/);
  });
});
