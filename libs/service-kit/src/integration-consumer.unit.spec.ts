import { randomUUID } from 'node:crypto';
import { ContractRegistry, IntakeContracts } from '@oriental/contracts';
import { consumeIntegrationBatch } from './integration-consumer';

const registry = new ContractRegistry(IntakeContracts);
const beneficiaryId = randomUUID();
const valid = {
  id: randomUUID(),
  type: 'BeneficiaryRegistered',
  schemaVersion: 1,
  source: { stream: `beneficiary-${beneficiaryId}`, revision: 0, position: '1' },
  beneficiaryId,
  cellId: 'oujda',
  occurredAt: '2026-07-15T09:30:00.000Z',
  correlationId: 'c',
  causationId: 'c',
  actor: 'agent:1',
  data: {
    beneficiaryId,
    cellId: 'oujda',
    category: 'mre',
    sex: 'female',
    ageBand: '35-44',
    nationality: 'MA',
    consent: { services: true, sharing: false, statistics: true },
    registeredAt: '2026-07-15T09:30:00.000Z',
  },
};

const delivered = (value: unknown) => ({ key: beneficiaryId, headers: {}, value });
/** What a handler gets for a message: upcast to the latest version (v1 said nothing of the profile). */
const upcast = (message: typeof valid) => ({ ...message, schemaVersion: 2, data: { ...message.data, profile: {} } });

describe('consuming a batch of integration messages', () => {
  const errors: unknown[] = [];
  const logger = { error: (entry: unknown) => errors.push(entry) };
  beforeEach(() => (errors.length = 0));

  it('applies the valid messages at once, in order', async () => {
    const second = { ...valid, id: randomUUID(), source: { ...valid.source, revision: 1, position: '2' } };
    const applied: unknown[][] = [];
    await consumeIntegrationBatch(registry, [delivered(valid), delivered(second)], logger, async (events) => applied.push(events));
    expect(applied).toEqual([[upcast(valid), upcast(second)]]);
    expect(errors).toEqual([]);
  });

  it('logs and skips a message that can never be valid, so it cannot block its partition, and applies the rest', async () => {
    const applied: unknown[][] = [];
    const invalid = [delivered({ ...valid, data: { ...valid.data, category: 'tourist' } }), delivered('not an envelope')];
    await consumeIntegrationBatch(registry, [...invalid, delivered(valid)], logger, async (events) => applied.push(events));
    expect(applied).toEqual([[upcast(valid)]]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ msg: 'invalid message skipped', id: valid.id });
  });

  it('applies nothing when no message is valid', async () => {
    const applied: unknown[][] = [];
    await consumeIntegrationBatch(registry, [delivered('not an envelope')], logger, async (events) => applied.push(events));
    expect(applied).toEqual([]);
  });

  it('lets any other failure through, so the transport redelivers', async () => {
    await expect(
      consumeIntegrationBatch(registry, [delivered(valid)], logger, async () => {
        throw new Error('read store unavailable');
      }),
    ).rejects.toThrow('read store unavailable');
  });
});
