import { textProblem } from '@oriental/contracts';
import { z } from 'zod';

/**
 * A participant's names: personal data under law 09-08, the only personal data the service
 * keeps. Stored sealed with a key of the participant's own (the vault, `@oriental/personal-data`),
 * so that destroying the key erases them from every stored event; never published. This schema is
 * their one definition: the domain's type, the request body and the stored (sealed) field.
 *
 * Each name is stored in Unicode NFC and refused when it hides something (controls, bidi
 * overrides, lone surrogates) or shows nothing (blank, zero-width only), as intake's are.
 */
const name = (example: string) =>
  z
    .string()
    .normalize('NFC')
    .min(1)
    .max(100)
    .check((context) => {
      const message = textProblem(context.value, false);
      if (message) context.issues.push({ code: 'custom', message, input: context.value });
    })
    .meta({ example });

export const participantNamesSchema = z.strictObject({ firstName: name('Samira'), lastName: name('El Amrani') });

export type ParticipantNames = z.output<typeof participantNamesSchema>;

/** The first letter (grapheme) of each name, each followed by a dot: `S. E.`. All a certificate's public check shows of its holder. */
export const initialsOf = (names: ParticipantNames): string => {
  const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });
  const initial = (text: string) => {
    const [first] = segmenter.segment(text.trim());
    return `${(first?.segment ?? '').toLocaleUpperCase()}.`;
  };
  return `${initial(names.firstName)} ${initial(names.lastName)}`;
};
