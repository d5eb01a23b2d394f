import { CapacityBuildingContracts } from './capacity-building.events';
import { publishCapacityBuildingEvent } from './capacity-building.published-language';
import { StoredEvent } from './envelope';
import { ContractRegistry } from './integration-event';

const stored = (type: string, data: object, schemaVersion = 1): StoredEvent => ({
  id: '3f0e6c1a-8d4b-4c2e-9f1a-0b2c3d4e5f60',
  type,
  schemaVersion,
  data,
  metadata: { correlationId: 'c', causationId: 'c', actor: 'trainer-1', occurredAt: '2026-03-02T09:00:00.000Z' },
  stream: 'session-0b8a7a4e-5f0c-4e43-9a3e-2f1f6f1d0a01',
  revision: 0,
  position: '7',
});
const sessionId = '0b8a7a4e-5f0c-4e43-9a3e-2f1f6f1d0a01';
const programmeId = '5d1c0e2a-3b4f-4a5e-8c6d-7e8f9a0b1c2d';
const participantId = '6a0f8f57-5a0e-4f3a-9d59-8f8f1d2b9c01';
const registry = new ContractRegistry(CapacityBuildingContracts);

describe("capacity building's published language", () => {
  it('publishes a participant without their sealed names', () => {
    const published = publishCapacityBuildingEvent(
      stored('ParticipantRegistered', {
        participantId,
        actorType: 'elected_official',
        sex: 'female',
        organisation: 'Commune de Berkane',
        commune: 'berkane',
        province: 'berkane',
        personalData: { ciphertext: 'c2VhbGVk', keyId: 'k' },
        registeredAt: '2026-03-02T09:00:00.000Z',
      }),
    );
    expect(published).toEqual({
      type: 'ParticipantRegistered',
      schemaVersion: 1,
      data: { participantId, actorType: 'elected_official', sex: 'female', organisation: 'Commune de Berkane', commune: 'berkane', province: 'berkane', registeredAt: '2026-03-02T09:00:00.000Z' },
    });
  });

  it('publishes a session without its trainer, a programme without its objectives', () => {
    const session = publishCapacityBuildingEvent(
      stored('SessionScheduled', {
        sessionId,
        programmeId,
        cellId: 'oujda',
        province: 'oujda-angad',
        startDate: '2026-03-02',
        endDate: '2026-03-04',
        trainer: 'Samira Benali',
        capacity: 20,
        modality: 'in_person',
        minAttendance: 0.8,
        scheduledAt: '2026-02-01T09:00:00.000Z',
      }),
    );
    expect(JSON.stringify(session)).not.toMatch(/Samira|minAttendance/);
    const programme = publishCapacityBuildingEvent(
      stored('ProgrammeCreated', { programmeId, title: 'Accueil des MRE', objectives: 'Comprendre les besoins', targetActorTypes: ['cell_officer'], minAttendance: 0.8, createdAt: '2026-01-01T09:00:00.000Z' }),
    );
    expect(programme?.data).toEqual({ programmeId, title: 'Accueil des MRE', targetActorTypes: ['cell_officer'], minAttendance: 0.8, createdAt: '2026-01-01T09:00:00.000Z' });
  });

  it('publishes a certificate without its verification code', () => {
    const published = publishCapacityBuildingEvent(
      stored('CertificateIssued', { sessionId, participantId, programmeId, code: 'CB-7K3M-Q9XA-2D4F', attendanceRate: 1, issuedAt: '2026-03-04T17:00:00.000Z' }),
    );
    expect(published?.data).toEqual({ sessionId, participantId, programmeId, attendanceRate: 1, issuedAt: '2026-03-04T17:00:00.000Z' });
  });

  it('publishes what the registry accepts, and nothing for events it has no contract for', () => {
    const published = publishCapacityBuildingEvent(stored('ParticipantWaitlisted', { sessionId, participantId, position: 1, waitlistedAt: '2026-02-02T09:00:00.000Z' }));
    expect(() => registry.validate(published!.type, published!.schemaVersion, published!.data)).not.toThrow();
    expect(publishCapacityBuildingEvent(stored('ParticipantNamesCorrected', { participantId }))).toBeNull();
    expect(publishCapacityBuildingEvent(stored('ParticipantEnrolled', { sessionId, participantId, enrolledAt: '2026-02-02T09:00:00.000Z' }, 2))).toBeNull();
  });
});
