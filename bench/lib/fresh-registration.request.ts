/** autocannon `setupRequest`: every request is a new registration, with a fresh Idempotency-Key, its own body and the token of an agent of its cell. */
import { randomUUID } from 'node:crypto';
import { BeneficiaryCategories, Sexes } from '@oriental/contracts';
import { aRegistrationBody } from '@oriental/intake/testing';
import { loadReferenceData } from '@oriental/reference-data';

const cells = loadReferenceData().cells.map((cell) => cell.id);

/** `agents`: by cell id, the `Authorization` of an agent of that cell (BenchTokens.agents). */
export const freshRegistrations = (agents: Record<string, string>) => {
  const missing = cells.filter((cell) => !agents[cell]);
  if (missing.length > 0) throw new Error(`no agent token for cells ${missing.join(', ')}`);
  let sent = 0;
  return (request: { headers?: Record<string, string>; body?: string }) => {
    sent += 1;
    const cellId = cells[sent % cells.length]!;
    request.headers = { ...request.headers, 'content-type': 'application/json', 'idempotency-key': randomUUID(), authorization: agents[cellId]! };
    request.body = JSON.stringify(
      aRegistrationBody({
        cellId,
        category: BeneficiaryCategories[sent % BeneficiaryCategories.length]!,
        sex: Sexes[sent % Sexes.length]!,
        birthYear: 1940 + (sent % 80),
        person: { firstName: `Bench${sent}`, lastName: 'Load', phone: '+212600000000' },
      }),
    );
    return request;
  };
};
