/*
 * What free text typed by a person may hold, one rule for every context: intake's personal data
 * (intake-domain `personal-data.ts`) and every other note or reason (service-kit `safeText`).
 */

/** Unicode controls (Cc): NUL, escape and the like; a multi-line text keeps tab, CR and LF. */
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LINE_BREAKS = /[^\P{Cc}\t\n\r]/u;
/** Bidi embeddings, overrides and isolates: they reorder what a reader sees (CVE-2021-42574). */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
/** Half of a surrogate pair on its own: not text, and unencodable as UTF-8. */
const LONE_SURROGATE = /\p{Cs}/u;
/** Nothing visible: spaces and default-ignorable characters (zero-width space, joiners, BOM) only. */
const BLANK = /^[\s\p{Default_Ignorable_Code_Point}]*$/u;

/** Why a text is refused (hides something, or shows nothing), or undefined when it is fine. */
export const textProblem = (text: string, multiline: boolean): string | undefined => {
  if (LONE_SURROGATE.test(text)) return 'must not contain unpaired surrogates';
  if ((multiline ? CONTROL_BUT_LINE_BREAKS : CONTROL).test(text)) return 'must not contain control characters';
  if (BIDI_CONTROL.test(text)) return 'must not contain bidirectional control characters';
  if (BLANK.test(text)) return 'must not be blank';
  return undefined;
};
