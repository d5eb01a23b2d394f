import { randomBytes } from 'node:crypto';
import { certificateCodeOf } from '@oriental/capacity-building-domain';

/** A fresh verification code: 60 bits from the CSPRNG (`certificate-code.ts` says why that many). */
export const newCertificateCode = (): string => {
  const bytes = randomBytes(12);
  return certificateCodeOf([...bytes].map((byte) => byte & 31));
};
