import {
  CapacityBuildingContracts,
  ContractDefinition,
  IntakeContracts,
  integrationEnvelopeSchema,
  ReferralContracts,
  Topics,
} from '@oriental/contracts';
import { z } from 'zod';

/**
 * The Kafka topics as a public interface: an AsyncAPI 3.0 document (docs/asyncapi.yaml) made from
 * the one definition of each message, the zod contracts in libs/contracts, never written by hand.
 * `npm run asyncapi` writes it; services/network/test/asyncapi.int.spec.ts fails when the file is
 * not what this makes, and validates every message the services publish against it.
 *
 * A message is an integration event (libs/contracts/src/integration-event.ts) serialised as JSON,
 * whose `data` is its type's contract at the version it is published at (the latest).
 * Schemas are JSON Schema draft-07, which the AsyncAPI Schema format is a superset of.
 */

type Schema = Record<string, unknown>;

interface Channel {
  /** The key under `channels` and in operation names. */
  id: string;
  topic: string;
  title: string;
  description: string;
  contracts: readonly ContractDefinition[];
  key: string;
}

const CHANNELS: readonly Channel[] = [
  {
    id: 'intake',
    topic: Topics.intake,
    title: 'Intake',
    description: "Intake's published language: registrations and the casework of `beneficiary-<id>` streams. Never a name, a phone, a birth year (an age band instead) nor a note.",
    contracts: IntakeContracts,
    key: 'The beneficiary id: every event of one journey on one partition, in order.',
  },
  {
    id: 'referral',
    topic: Topics.referral,
    title: 'Referral',
    description: "Referral's published language: referrals (`referral-<id>`) and the partner directory (`partner-<id>`). Never a note nor the reason typed for a consent override.",
    contracts: ReferralContracts,
    key: "The beneficiary id for a referral's events; the stream name (`partner-<id>`) for the directory's.",
  },
  {
    id: 'capacityBuilding',
    topic: Topics.capacityBuilding,
    title: 'Capacity building',
    description: "Capacity building's published language: programmes, sessions, participants, enrolment, attendance, evaluations, certificates. Never a participant's names, the trainer, nor a certificate's verification code.",
    contracts: CapacityBuildingContracts,
    key: 'The stream name (`session-<id>`, …): one session’s enrolments on one partition, in order.',
  },
];

const jsonSchemaOf = (schema: z.ZodType): Schema => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as Schema;
  return rest;
};

/** The data schema's name under `components.schemas`: the type and the version published. */
const dataSchemaName = (contract: ContractDefinition): string => `${contract.type}V${contract.latestVersion}`;

/** The envelope (`components.schemas.IntegrationEvent`), with this message's type, version and data. */
const payloadOf = (contract: ContractDefinition): Schema => ({
  allOf: [
    { $ref: '#/components/schemas/IntegrationEvent' },
    {
      type: 'object',
      properties: {
        type: { type: 'string', const: contract.type },
        schemaVersion: { type: 'integer', const: contract.latestVersion },
        data: { $ref: `#/components/schemas/${dataSchemaName(contract)}` },
      },
      required: ['data'],
    },
  ],
});

const headers = (contract: ContractDefinition): Schema => ({
  type: 'object',
  properties: {
    'event-id': { type: 'string', format: 'uuid', description: "The source event's id (also the payload's `id`): consumers de-duplicate by it" },
    'event-type': { type: 'string', const: contract.type },
    'schema-version': { type: 'string', const: String(contract.latestVersion) },
    traceparent: { type: 'string', description: 'W3C trace context of the command that caused the event (https://www.w3.org/TR/trace-context/)' },
    tracestate: { type: 'string' },
  },
  required: ['event-id', 'event-type', 'schema-version'],
});

/** The message's name under `components.messages`: its type (types are unique across contexts). */
export const messageName = (contract: ContractDefinition): string => contract.type;

export const asyncApiDocument = (): Schema => {
  const names = CHANNELS.flatMap((channel) => channel.contracts.map(messageName));
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) throw new Error(`Two contexts publish ${duplicate}: message names must be unique`);
  const ref = (path: string) => ({ $ref: `#/${path}` });
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Oriental reception cells: integration events',
      version: '1',
      description:
        'The Kafka topics of the network, one per bounded context (libs/contracts/src/topics.ts), as a public interface. Each message value is an integration event in JSON: ids, codes and dates only, never personal data. Generated from libs/contracts by `npm run asyncapi` (services/network/src/asyncapi); do not edit by hand.',
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: { host: '{brokers}', protocol: 'kafka', description: 'The brokers of KAFKA_BROKERS; topic names take KAFKA_TOPIC_PREFIX in front when it is set.', variables: { brokers: { default: 'localhost:9092' } } },
    },
    channels: Object.fromEntries(
      CHANNELS.map((channel) => [
        channel.id,
        {
          address: channel.topic,
          title: channel.title,
          description: channel.description,
          messages: Object.fromEntries(channel.contracts.map((contract) => [messageName(contract), ref(`components/messages/${messageName(contract)}`)])),
        },
      ]),
    ),
    operations: Object.fromEntries(
      CHANNELS.map((channel) => [
        `publish${channel.id[0]!.toUpperCase()}${channel.id.slice(1)}`,
        {
          action: 'send',
          title: `${channel.title} publishes`,
          description: "The service's forwarder follows its streams in the event store's log and publishes each event once the store holds it (the log is the outbox); at least once, so consumers de-duplicate by event id.",
          channel: ref(`channels/${channel.id}`),
          messages: channel.contracts.map((contract) => ref(`channels/${channel.id}/messages/${messageName(contract)}`)),
        },
      ]),
    ),
    components: {
      schemas: {
        IntegrationEvent: {
          description: 'What other contexts see of a stored event (libs/contracts/src/integration-event.ts): `id` is the source event’s id, `source.position` its place in the log.',
          ...jsonSchemaOf(integrationEnvelopeSchema),
        },
        ...Object.fromEntries(CHANNELS.flatMap((channel) => channel.contracts.map((contract) => [dataSchemaName(contract), jsonSchemaOf(contract.schemas[contract.latestVersion]!)]))),
      },
      messages: Object.fromEntries(
        CHANNELS.flatMap((channel) =>
          channel.contracts.map((contract) => [
            messageName(contract),
            {
              name: contract.type,
              title: contract.type,
              summary: `${contract.type}, version ${contract.latestVersion}, on ${channel.topic}`,
              contentType: 'application/json',
              headers: headers(contract),
              payload: payloadOf(contract),
              bindings: { kafka: { key: { type: 'string', description: channel.key }, bindingVersion: '0.5.0' } },
            },
          ]),
        ),
      ),
    },
  };
};

/** The channel (topic) of each message name. */
export const topicOfMessage = (): Map<string, string> => new Map(CHANNELS.flatMap((channel) => channel.contracts.map((contract) => [messageName(contract), channel.topic] as const)));

const PLAIN = /^[A-Za-z_$][A-Za-z0-9_$.\-/]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|~|y|n)$/i;

/** A string as YAML writes it: bare when it cannot be read as anything else, else JSON-quoted (a valid YAML double-quoted scalar). */
const scalar = (value: string): string => (PLAIN.test(value) && !RESERVED.test(value) && !/^[\d.+-]/.test(value) ? value : JSON.stringify(value));

/**
 * YAML of plain data (objects, arrays, strings, numbers, booleans, null), block style, keys in
 * the order given: enough for this document, so that no YAML library is needed to write it.
 */
export const toYaml = (value: unknown, indent = ''): string => {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? scalar(value) : JSON.stringify(value);
  const entries: [string | null, unknown][] = Array.isArray(value) ? value.map((item) => [null, item]) : Object.entries(value);
  if (entries.length === 0) return Array.isArray(value) ? '[]' : '{}';
  return entries
    .map(([key, item]) => {
      const lead = key === null ? `${indent}-` : `${indent}${scalar(key)}:`;
      const isBlock = item !== null && typeof item === 'object' && (Array.isArray(item) ? item.length > 0 : Object.keys(item).length > 0);
      return isBlock ? `${lead}\n${toYaml(item, `${indent}  `)}` : `${lead} ${toYaml(item, indent)}`;
    })
    .join('\n');
};

export const asyncApiYaml = (): string =>
  `# Generated by \`npm run asyncapi\` (services/network/src/asyncapi) from the zod contracts in libs/contracts: do not edit.\n${toYaml(asyncApiDocument())}\n`;
