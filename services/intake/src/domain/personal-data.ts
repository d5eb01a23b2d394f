import { textProblem } from '@oriental/contracts';
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


/**
 * Text a person is known by, as a cell types it: stored in Unicode NFC (so "é" typed as one
 * character or as e + accent is one spelling for the duplicate index), and refused when it hides
 * something (controls, bidi overrides, lone surrogates) or shows nothing (blank, zero-width only).
 * Joiners inside a name stay: Arabic and Persian spellings use them.
 */
const personalText = (max: number, { multiline = false } = {}) =>
  z
    .string()
    .normalize('NFC')
    .min(1)
    .max(max)
    .check((context) => {
      const message = textProblem(context.value, multiline);
      if (message) context.issues.push({ code: 'custom', message, input: context.value });
    });

export const personalDataSchema = z.strictObject({
  firstName: personalText(100).meta({ example: 'Amina' }),
  lastName: personalText(100).meta({ example: 'Benali' }),
  phone: z
    .string()
    .regex(/^\+?[0-9][0-9 ]{5,19}$/, 'must be 6 to 20 digits, optionally with a leading +')
    .optional()
    .meta({ example: '+212600000000', description: 'International or national format' }),
  address: personalText(300, { multiline: true }).optional().meta({ example: '12 rue Al Massira, Oujda' }),
  documentNumbers: z
    .array(
      z.strictObject({
        kind: z.enum(DocumentKinds),
        number: personalText(50).meta({ example: 'AB123456' }),
      }),
    )
    .max(10)
    .optional(),
  notes: personalText(2000, { multiline: true }).optional().meta({ description: "The cell's notes on the person" }),
});

export type PersonalData = z.output<typeof personalDataSchema>;

/**
 * A free-text note on a step of the case (a follow-up, a transfer, a closure). Notes may name
 * people or circumstances, so they are personal data too: sealed in the store, never published.
 */
export const noteSchema = personalText(2000, { multiline: true });

/**
 * Why a person's personal data is erased (law 09-08: rectification, erasure and opposition; the
 * retention a purpose allows). A closed list, never free text: the erasure event stays in the
 * log, in clear, after the key that could have sealed a note is gone.
 */
export const ErasureReasons = ['person_request', 'consent_withdrawn', 'retention_expired', 'unlawful_processing', 'legal_obligation'] as const;
export type ErasureReason = (typeof ErasureReasons)[number];
