/** autocannon `setupRequest`: every request is a new registration, with a fresh Idempotency-Key and its own body. */
import { randomUUID } from 'node:crypto';
import { BeneficiaryCategories, Sexes } from '@oriental/contracts';
import { aRegistrationBody } from '@oriental/intake/testing';
import { loadReferenceData } from '@oriental/reference-data';

const cells = loadReferenceData().cells.map((cell) => cell.id);
let sent = 0;

const freshRegistration = (request: { headers?: Record<string, string>; body?: string }) => {
  sent += 1;
  request.headers = { ...request.headers, 'content-type': 'application/json', 'idempotency-key': randomUUID() };
  request.body = JSON.stringify(
    aRegistrationBody({
      cellId: cells[sent % cells.length]!,
      category: BeneficiaryCategories[sent % BeneficiaryCategories.length]!,
      sex: Sexes[sent % Sexes.length]!,
      birthYear: 1940 + (sent % 80),
      person: { firstName: `Bench${sent}`, lastName: 'Load', phone: '+212600000000' },
    }),
  );
  return request;
};

export default freshRegistration;
