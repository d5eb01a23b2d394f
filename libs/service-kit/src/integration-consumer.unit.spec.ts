import { randomUUID } from 'node:crypto';
import { ContractRegistry, IntakeContracts } from '@oriental/contracts';
import { consumeIntegrationMessage } from './integration-consumer';

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

describe('consuming an integration message', () => {
  const errors: unknown[] = [];
  const logger = { error: (entry: unknown) => errors.push(entry) };
  beforeEach(() => (errors.length = 0));

  it('applies a valid message', async () => {
    const applied: unknown[] = [];
    await consumeIntegrationMessage(registry, valid, logger, async (event) => applied.push(event));
    expect(applied).toEqual([valid]);
    expect(errors).toEqual([]);
  });

  it('logs and skips a message that can never be valid, so it cannot block its partition', async () => {
    const applied: unknown[] = [];
    await consumeIntegrationMessage(registry, { ...valid, data: { ...valid.data, category: 'tourist' } }, logger, async (e) => applied.push(e));
    await consumeIntegrationMessage(registry, 'not an envelope', logger, async (e) => applied.push(e));
    expect(applied).toEqual([]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ msg: 'invalid message skipped', id: valid.id });
  });

  it('lets any other failure through, so the transport redelivers', async () => {
    await expect(
      consumeIntegrationMessage(registry, valid, logger, async () => {
        throw new Error('read store unavailable');
      }),
    ).rejects.toThrow('read store unavailable');
  });
});
