/**
 * A certificate's verification code: `CB-` and three groups of four Crockford base-32 characters
 * (no I, L, O, U: nothing to misread), 60 random bits, e.g. `CB-7K3M-Q9XA-2D4F`. Printed on the
 * certificate; anyone who has it may check it (`GET /certificates/{code}`), so it must not be
 * guessable: at 60 bits, finding one among a million issued takes about 2^40 tries, past what
 * the rate limit lets through.
 */
export const CERTIFICATE_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const CERTIFICATE_CODE_PATTERN = /^CB-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** The code spelled by 12 values of 0–31 (5 random bits each). */
export const certificateCodeOf = (fiveBitValues: readonly number[]): string => {
  if (fiveBitValues.length !== 12 || fiveBitValues.some((value) => !Number.isInteger(value) || value < 0 || value > 31)) {
    throw new Error('A certificate code is spelled by 12 values of 0 to 31');
  }
  const characters = fiveBitValues.map((value) => CERTIFICATE_CODE_ALPHABET[value]!).join('');
  return `CB-${characters.slice(0, 4)}-${characters.slice(4, 8)}-${characters.slice(8, 12)}`;
};
