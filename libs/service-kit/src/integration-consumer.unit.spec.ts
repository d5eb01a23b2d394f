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
  const rejected: { message: unknown; reason: string }[] = [];
  const context = { reject: (message: unknown, reason: string) => rejected.push({ message, reason }) };
  beforeEach(() => (rejected.length = 0));

  it('applies the valid messages at once, in order', async () => {
    const second = { ...valid, id: randomUUID(), source: { ...valid.source, revision: 1, position: '2' } };
    const applied: unknown[][] = [];
    await consumeIntegrationBatch(registry, [delivered(valid), delivered(second)], context, async (events) => applied.push(events));
    expect(applied).toEqual([[upcast(valid), upcast(second)]]);
    expect(rejected).toEqual([]);
  });

  it('rejects a message that can never be valid, for the dead-letter queue, so it cannot block its partition, and applies the rest', async () => {
    const applied: unknown[][] = [];
    const invalid = [delivered({ ...valid, data: { ...valid.data, category: 'tourist' } }), delivered('not an envelope')];
    await consumeIntegrationBatch(registry, [...invalid, delivered(valid)], context, async (events) => applied.push(events));
    expect(applied).toEqual([[upcast(valid)]]);
    expect(rejected.map(({ message }) => message)).toEqual(invalid);
    expect(rejected[0]!.reason).toMatch(/^invalid message: .*category/);
  });

  it('applies nothing when no message is valid', async () => {
    const applied: unknown[][] = [];
    await consumeIntegrationBatch(registry, [delivered('not an envelope')], context, async (events) => applied.push(events));
    expect(applied).toEqual([]);
  });

  it('lets any other failure through, so the transport redelivers', async () => {
    await expect(
      consumeIntegrationBatch(registry, [delivered(valid)], context, async () => {
        throw new Error('read store unavailable');
      }),
    ).rejects.toThrow('read store unavailable');
  });
});
