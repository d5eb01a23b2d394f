import { loadReferenceData } from '@oriental/reference-data';
import { issueToken, ServiceConfig } from '@oriental/service-kit';

/**
 * `Authorization` header values of the embedded issuer whose key the network keeps under its
 * DATA_DIR (services in this process or spawned ones: the same directory, the same key): an
 * agent of every cell, since registering into a cell takes one of its staff, and an auditor,
 * who reads the network report and every journey.
 */
export interface BenchTokens {
  /** By cell id: `Bearer <token of an agent of that cell>`. */
  agents: Record<string, string>;
  /** `Bearer <token of an auditor>`. */
  auditor: string;
}

/** A day: longer than any bench run, so no token expires halfway through one. */
const TTL_SECONDS = 24 * 3600;

export const benchTokens = async (config: ServiceConfig): Promise<BenchTokens> => {
  const bearer = async (request: Parameters<typeof issueToken>[1]) => `Bearer ${await issueToken(config, { ...request, ttlSeconds: TTL_SECONDS })}`;
  const agents: Record<string, string> = {};
  for (const cell of loadReferenceData(config.REFERENCE_DATA_DIR).cells) agents[cell.id] = await bearer({ role: 'cell_agent', cellId: cell.id, subject: `bench.agent.${cell.id}` });
  return { agents, auditor: await bearer({ role: 'auditor', subject: 'bench.auditor' }) };
};

/** The agent of the registration's cell; throws for a cell the reference data does not know. */
export const agentOf = (tokens: BenchTokens, cellId: string): string => {
  const authorization = tokens.agents[cellId];
  if (!authorization) throw new Error(`no bench agent for cell ${cellId}`);
  return authorization;
};
