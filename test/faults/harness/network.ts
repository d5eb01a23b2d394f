import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mongoose from 'mongoose';
import { aRegistrationBody, RegistrationBody } from '@oriental/intake/testing';
import { issueToken, loadConfig } from '@oriental/service-kit';
import { freePort, ServiceProcess, startServiceProcess, stopGracefully } from '@oriental/testing';
import { reapOnExit, sleep } from './servers';

export const SERVICES = ['intake', 'referral', 'capacity-building', 'reporting'] as const;
export type ServiceName = (typeof SERVICES)[number];
export const CELLS = ['driouch', 'nador', 'berkane', 'oujda', 'guercif', 'figuig'] as const;
const CATEGORIES = ['mre', 'returnee', 'rpt'] as const;

/** A small, fixed-seed PRNG (mulberry32): the same seed gives the same load on every run. */
export const prng = (seed: number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Registration i of a load seeded with `seed`: cell, category, sex, age, nationality and consents drawn from the seed. */
export const registrationBody = (seed: number, i: number): RegistrationBody => {
  const random = prng(seed * 1_000_003 + i);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  return aRegistrationBody({
    cellId: pick(CELLS),
    category: pick(CATEGORIES),
    sex: random() < 0.5 ? 'female' : 'male',
    birthYear: 1950 + Math.floor(random() * 60),
    nationality: random() < 0.3 ? 'SN' : 'MA',
    consent: { services: true, sharing: random() < 0.5, statistics: true },
    person: { firstName: `Faults${seed}x${i}`, lastName: `Load${i}`, phone: `+2126${String(seed * 100_000 + i).padStart(8, '0').slice(-8)}` },
  });
};

export interface LoadFigures {
  /** Registrations asked for, each with its own Idempotency-Key. */
  registrations: number;
  /** HTTP requests sent, retries included. */
  requests: number;
  /** 201 answers (a retry answered 201 after a lost answer counts once per request). */
  created: number;
  /** Of those, answered from the log (Idempotent-Replayed: the first attempt had been applied). */
  replayed: number;
  /** Attempts retried after a connection error, a timeout or a 5xx, with the same key. */
  retries: number;
  /** Statuses of the failed attempts, by status or error code. */
  failures: Record<string, number>;
  /** Registrations that were answered 201 in the end (distinct beneficiary ids). */
  beneficiaryIds: Set<string>;
  /** Registration index → its beneficiary id. */
  byIndex: Map<number, string>;
  durationMs: number;
}

export interface LoadOptions {
  /** Distinguishes this load's keys and people from every other's. */
  seed: number;
  count: number;
  concurrency: number;
  /** Called after each registration that got its 201, with how many have (from 1). */
  onCreated?: (created: number) => void;
  /** Called with each registration's index and beneficiary id as it gets its 201. */
  onAnswered?: (i: number, beneficiaryId: string) => void;
  /** Fails the load when it has not finished within this (default 5 min): a service that never recovers must not hang the suite. */
  deadlineMs?: number;
  /** Awaited before each new registration (not before its retries): a pace. */
  beforeRequest?: () => Promise<void>;
}

export interface Totals {
  /** `BeneficiaryRegistered` events in intake's log. */
  log: number;
  /** Distinct registration streams in intake's log. */
  logStreams: number;
  /** `GET /reports/network` beneficiaries.total (auditor: exact counts). */
  report: number;
  /** Documents of referral's case view (what it learnt of each registration). */
  referral: number;
  /** `GET /cells/activity`: registrations per cell, summed. */
  capacityBuilding: number;
}

/**
 * The four services as separate processes over the suite's Kafka and MongoDB, sharing one SQLite
 * log under DATA_DIR (as in the distributed run on one machine), with the embedded issuer's tokens.
 */
export class Network {
  readonly run = `faults${Date.now()}${randomBytes(2).toString('hex')}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'faults-'));
  readonly logFile = join(this.dir, 'services.log');
  readonly env: Record<string, string>;
  readonly services = {} as Record<ServiceName, ServiceProcess>;
  private readonly ports = {} as Record<ServiceName, number>;
  private readonly tokens: Record<string, string> = {};
  private mongo?: mongoose.Connection;

  constructor(
    readonly brokers: string,
    readonly mongoUri: string,
  ) {
    this.env = {
      DATA_DIR: join(this.dir, 'data'),
      EVENT_STORE: 'sqlite',
      BUS: 'kafka',
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: `${this.run}.`,
      READ_STORE: 'mongodb',
      MONGODB_URI: mongoUri,
      MONGODB_DB: this.run,
      PERSONAL_DATA_MASTER_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
    };
  }

  get topicPrefix(): string {
    return this.env.KAFKA_TOPIC_PREFIX!;
  }

  async start(): Promise<void> {
    const config = loadConfig(this.env);
    for (const cellId of CELLS) this.tokens[cellId] = await issueToken(config, { role: 'cell_agent', cellId, subject: `agent:${cellId}-faults` });
    this.tokens.auditor = await issueToken(config, { role: 'auditor', subject: 'auditor-faults' });
    // One after the other: four TypeScript processes compiling at once on two cores start slower than in turn.
    for (const name of SERVICES) {
      this.ports[name] = await freePort();
      await this.startOne(name);
    }
  }

  private async startOne(name: ServiceName): Promise<void> {
    const starting = startServiceProcess(name, this.ports[name], this.env, this.logFile);
    this.services[name] = await starting;
    reapOnExit(this.services[name].child.pid, join('services', name, 'src', 'main.ts'));
  }

  /** SIGKILL: no shutdown hook runs, no checkpoint is stored, consumers leave no group. */
  async kill9(name: ServiceName): Promise<void> {
    const service = this.services[name];
    service.child.kill('SIGKILL');
    await service.exited;
  }

  /** Starts it again on its port with the same DATA_DIR; resolves once /health answers 200. */
  async restart(name: ServiceName): Promise<void> {
    await this.startOne(name);
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.services).filter((service) => service.child.exitCode === null && service.child.signalCode === null).map((service) => stopGracefully(service)));
    await this.mongo?.close();
  }

  cleanUp(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  token(cellOrRole: string): string {
    return this.tokens[cellOrRole]!;
  }

  /**
   * Registers `count` beneficiaries with `concurrency` clients. Like a cell's frontend, a client
   * retries a registration with the same Idempotency-Key until it is answered 201: after a
   * connection error (intake killed), a timeout, or a 5xx. Any other answer fails the load.
   */
  async load({ seed, count, concurrency, onCreated, onAnswered, beforeRequest, deadlineMs = 300_000 }: LoadOptions): Promise<LoadFigures> {
    const figures: LoadFigures = { registrations: count, requests: 0, created: 0, replayed: 0, retries: 0, failures: {}, beneficiaryIds: new Set(), byIndex: new Map(), durationMs: 0 };
    const begun = Date.now();
    const deadline = begun + deadlineMs;
    let next = 0;
    const register = async (i: number) => {
      const body = registrationBody(seed, i);
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) {
          figures.retries += 1;
          await sleep(Math.min(100 * attempt, 1_000));
        }
        if (Date.now() > deadline) {
          throw new Error(`registration ${seed}/${i} had no 201 after ${attempt} attempts; the load ran out of its ${deadlineMs / 1000} s (${figures.created} registered; failed attempts ${JSON.stringify(figures.failures)})`);
        }
        figures.requests += 1;
        let status: number;
        let text = '';
        let replayed = false;
        try {
          const response = await fetch(`${this.services.intake.url}/beneficiaries`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': `${this.run}-${seed}-${i}`, authorization: `Bearer ${this.token(body.cellId)}` },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(30_000),
          });
          status = response.status;
          replayed = response.headers.get('idempotent-replayed') === 'true';
          text = await response.text();
        } catch (error) {
          const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
          figures.failures[code] = (figures.failures[code] ?? 0) + 1;
          continue;
        }
        if (status === 201) {
          figures.created += 1;
          if (replayed) figures.replayed += 1;
          const { beneficiaryId } = JSON.parse(text) as { beneficiaryId: string };
          figures.beneficiaryIds.add(beneficiaryId);
          figures.byIndex.set(i, beneficiaryId);
          onAnswered?.(i, beneficiaryId);
          onCreated?.(figures.created);
          return;
        }
        figures.failures[status] = (figures.failures[status] ?? 0) + 1;
        if (status < 500) throw new Error(`registration ${seed}/${i} answered ${status}: ${text}`);
      }
    };
    const client = async () => {
      while (next < count) {
        const i = next++;
        await beforeRequest?.();
        await register(i);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, client));
    figures.durationMs = Date.now() - begun;
    return figures;
  }

  /** Every count of registrations the network holds, each read from its own place. */
  async totals(): Promise<Totals> {
    const db = new Database(join(this.env.DATA_DIR!, 'events.sqlite'), { readonly: true, fileMustExist: true });
    let log: number;
    let logStreams: number;
    try {
      ({ log, logStreams } = db
        .prepare("SELECT count(*) AS log, count(DISTINCT stream) AS logStreams FROM events WHERE type = 'BeneficiaryRegistered'")
        .get() as { log: number; logStreams: number });
    } finally {
      db.close();
    }
    const [report, capacityBuilding, referral] = await Promise.all([
      this.get('reporting', '/reports/network').then((body) => (body as { beneficiaries: { total: number } }).beneficiaries.total),
      this.get('capacity-building', '/cells/activity').then((body) => Object.values((body as { registrationsByCell: Record<string, number> }).registrationsByCell).reduce((a, b) => a + b, 0)),
      this.referralCases(),
    ]);
    return { log, logStreams, report, referral, capacityBuilding };
  }

  /** The beneficiary ids of intake's log's registrations. */
  registeredInLog(): Set<string> {
    const db = new Database(join(this.env.DATA_DIR!, 'events.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return new Set((db.prepare("SELECT stream FROM events WHERE type = 'BeneficiaryRegistered'").all() as { stream: string }[]).map(({ stream }) => stream.replace(/^beneficiary-/, '')));
    } finally {
      db.close();
    }
  }

  /** Referral's case documents, read from its MongoDB database (the view has no list route). */
  async referralCases(filter: Record<string, unknown> = {}): Promise<number> {
    this.mongo ??= await mongoose.createConnection(this.mongoUri, { serverSelectionTimeoutMS: 5_000 }).asPromise();
    return this.mongo.useDb(`${this.run}-referral`).collection('referral_beneficiary_consents').countDocuments(filter);
  }

  private async get(service: ServiceName, path: string): Promise<unknown> {
    const response = await fetch(`${this.services[service].url}${path}`, { headers: { authorization: `Bearer ${this.tokens.auditor}` }, signal: AbortSignal.timeout(10_000) });
    if (response.status !== 200) throw new Error(`GET ${service}${path} answered ${response.status}: ${await response.text()}`);
    return response.json();
  }
}
