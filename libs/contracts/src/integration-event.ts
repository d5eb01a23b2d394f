import { z } from 'zod';
import { InvalidEventError, LogPosition, zodIssues } from './envelope';

/**
 * What other contexts see of an event: never personal data, only pseudonymous ids and the
 * attributes that reports need. `id` is the source event's id, so consumers can de-duplicate.
 */
export interface IntegrationEvent<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  schemaVersion: number;
  /** Where the source event sits in the store: consumers may use it as a cursor. */
  source: { stream: string; revision: number; position: LogPosition };
  beneficiaryId?: string;
  cellId?: string;
  occurredAt: string;
  correlationId: string;
  causationId: string;
  actor: string;
  data: Data;
}

export const integrationEnvelopeSchema = z.object({
  id: z.string().uuid(),
  type: z.string().min(1),
  schemaVersion: z.number().int().positive(),
  source: z.object({
    stream: z.string().min(1),
    revision: z.number().int().nonnegative(),
    position: z.string().min(1),
  }),
  beneficiaryId: z.string().uuid().optional(),
  cellId: z.string().min(1).optional(),
  occurredAt: z.string().datetime({ offset: true }),
  correlationId: z.string().min(1),
  causationId: z.string().min(1),
  actor: z.string().min(1),
  data: z.unknown(),
});

/** One schema per (type, version), and an upcaster from each old version to the next. */
export interface ContractDefinition {
  type: string;
  latestVersion: number;
  schemas: Record<number, z.ZodType>;
  /** upcasters[v] turns version v data into version v + 1 data. */
  upcasters?: Record<number, (data: unknown) => unknown>;
}

export class ContractRegistry {
  private readonly byType = new Map<string, ContractDefinition>();

  constructor(definitions: ContractDefinition[]) {
    for (const definition of definitions) this.byType.set(definition.type, definition);
  }

  /**
   * Validates a message read from the bus and upcasts its data to the latest version.
   * Unknown types pass through untouched (a newer producer may know more than this consumer).
   */
  parse(candidate: unknown): IntegrationEvent {
    const envelope = integrationEnvelopeSchema.safeParse(candidate);
    if (!envelope.success) throw new InvalidEventError(zodIssues(envelope.error), 'integration event');
    const event = envelope.data as IntegrationEvent;
    const definition = this.byType.get(event.type);
    if (!definition) return event;
    let { data, schemaVersion } = event;
    const schema = definition.schemas[schemaVersion];
    if (!schema) {
      throw new InvalidEventError([{ path: 'schemaVersion', message: `unknown version ${schemaVersion}` }], event.type);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new InvalidEventError(zodIssues(parsed.error), `${event.type} v${schemaVersion}`);
    data = parsed.data;
    while (schemaVersion < definition.latestVersion) {
      const upcast = definition.upcasters?.[schemaVersion];
      if (!upcast) throw new InvalidEventError([{ path: 'schemaVersion', message: `no upcaster from ${schemaVersion}` }], event.type);
      data = upcast(data);
      schemaVersion += 1;
    }
    return { ...event, schemaVersion, data };
  }

  /** Validates data against the latest schema before it is published. */
  validate(type: string, schemaVersion: number, data: unknown): void {
    const schema = this.byType.get(type)?.schemas[schemaVersion];
    if (!schema) throw new InvalidEventError([{ path: 'type', message: `no contract for ${type} v${schemaVersion}` }], type);
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw new InvalidEventError(zodIssues(parsed.error), `${type} v${schemaVersion}`);
  }
}
