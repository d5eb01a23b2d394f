import { z } from 'zod';

/**
 * Personal data under law 09-08: who the person is and how to reach them. Intake alone reads it;
 * it is stored sealed with a key of the beneficiary's own (crypto-shredding erases it) and never
 * published. This schema is its one definition: the domain's type, the request bodies that carry
 * it (registration, profile correction) and the stored shape all derive from it.
 * Strict: a field it does not name is refused, never stored by accident.
 */

/** Identity documents a cell sees: the Moroccan CNIE, a passport, a residence card (carte de séjour), a consular card. */
export const DocumentKinds = ['cnie', 'passport', 'residence_card', 'consular_card', 'other'] as const;
export type DocumentKind = (typeof DocumentKinds)[number];

export const personalDataSchema = z.strictObject({
  firstName: z.string().min(1).max(100).meta({ example: 'Amina' }),
  lastName: z.string().min(1).max(100).meta({ example: 'Benali' }),
  phone: z
    .string()
    .regex(/^\+?[0-9][0-9 ]{5,19}$/, 'must be 6 to 20 digits, optionally with a leading +')
    .optional()
    .meta({ example: '+212600000000', description: 'International or national format' }),
  address: z.string().min(1).max(300).optional().meta({ example: '12 rue Al Massira, Oujda' }),
  documentNumbers: z
    .array(
      z.strictObject({
        kind: z.enum(DocumentKinds),
        number: z.string().min(1).max(50).meta({ example: 'AB123456' }),
      }),
    )
    .max(10)
    .optional(),
  notes: z.string().min(1).max(2000).optional().meta({ description: "The cell's notes on the person" }),
});

export type PersonalData = z.output<typeof personalDataSchema>;

/**
 * A free-text note on a step of the case (a follow-up, a transfer, a closure). Notes may name
 * people or circumstances, so they are personal data too: sealed in the store, never published.
 */
export const noteSchema = z.string().min(1).max(2000);
