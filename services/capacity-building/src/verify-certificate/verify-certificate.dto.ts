import { z } from 'zod';

/** What anyone may learn of a certificate from its code: nothing of its holder but their initials. */
export const certificateAnswer = z.object({
  code: z.string(),
  holderInitials: z.string().nullable().meta({ example: 'S. E.', description: 'The holder’s initials; null when their personal data was erased' }),
  programme: z.object({ title: z.string() }),
  session: z.object({ startDate: z.string().meta({ example: '2026-03-02' }), endDate: z.string().meta({ example: '2026-03-06' }) }),
  issuedAt: z.string(),
});

export type CertificateAnswer = z.output<typeof certificateAnswer>;
