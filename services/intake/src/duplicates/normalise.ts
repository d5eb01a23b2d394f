/**
 * The forms under which duplicate detection compares people: a name skeleton that the usual ways
 * of writing one Maghrebi name share, and a phone number in one format. Pure: no framework, no
 * I/O; the same input always gives the same output on every instance (the index depends on it).
 *
 * A name skeleton is a consonant skeleton, as Arabic script writes names (محمد is m-h-m-d):
 *   1. Arabic letters are transliterated to Latin, one letter each (ش → ch, خ → kh, ع and the
 *      hamza seats → a vowel, ة → a); harakat, shadda and tatweel go.
 *   2. Latin text is lower-cased, its diacritics and everything but letters removed (spaces,
 *      hyphens, apostrophes, dots: El Amrani = Elamrani = El-Amrani).
 *   3. A leading article (el/al/ال, and the assimilated es-/ech-/en-/er-/ed-/et-/ez-) is dropped.
 *   4. Spelling variants fold into one letter: ch/sh/sch/tch, kh/x, gh, dj/j, th/t, dh/d, ph/f,
 *      q/k/ck/c (c before e/i/y: s); ou before a vowel is w, otherwise a vowel.
 *   5. Vowels, and w/y after the first letter (they spell long vowels: يوسف = Yusuf), are dropped;
 *      a leading vowel leaves one mark `a` (Amina ≠ Mina); a final h after a vowel (Fatimah) goes.
 *   6. Doubled letters collapse (Mohammed = Mohamed).
 *
 * It trades precision for recall on purpose: the answer is a list of *possible* duplicates for an
 * agent to look at, never a refusal. Names that differ only by their vowels share a skeleton
 * (Hassan/Hussein, Omar/Amar, Mohamed/Mahmoud); the birth year and the other name keep such
 * collisions rare among the people of one bucket.
 */

/** Arabic letters (after the hamza and madda marks are stripped: أ إ آ → ا, ؤ → و, ئ → ي). */
const ARABIC_TO_LATIN: Readonly<Record<string, string>> = {
  'ا': 'a', 'ٱ': 'a', 'ء': 'a', 'ى': 'a', 'ة': 'a', 'ع': 'a',
  'ب': 'b', 'ت': 't', 'ث': 't', 'ج': 'j', 'ح': 'h', 'خ': 'kh', 'د': 'd', 'ذ': 'd', 'ر': 'r',
  'ز': 'z', 'س': 's', 'ش': 'ch', 'ص': 's', 'ض': 'd', 'ط': 't', 'ظ': 'z', 'غ': 'gh', 'ف': 'f',
  'ق': 'k', 'ك': 'k', 'ک': 'k', 'ل': 'l', 'م': 'm', 'ن': 'n', 'ه': 'h', 'و': 'w', 'ي': 'y', 'ی': 'y',
  // Letters Maghrebi and Persian spellings add for sounds Arabic lacks.
  'ڤ': 'v', 'ڥ': 'v', 'گ': 'g', 'ڭ': 'g', 'ݣ': 'g', 'پ': 'p', 'چ': 'ch', 'ژ': 'j',
};

/** Latin letters that are not a base letter plus marks, so NFD leaves them whole. */
const LATIN_LETTERS: Readonly<Record<string, string>> = {
  'ß': 'ss', 'æ': 'ae', 'œ': 'oe', 'ø': 'o', 'ł': 'l', 'đ': 'd', 'ð': 'd', 'þ': 'th', 'ı': 'i', 'ŋ': 'n',
};

const ARABIC_LETTER = /[\u0600-\u06FF\u0750-\u077F]/;
/** A final ه is often typed for ة (فاطمه for فاطمة): read it as the vowel. */
const FINAL_HEH = /\u0647$/u;
const MARKS = /\p{M}/gu;
const NOT_A_LETTER = /[^\p{L}]/gu;

/** Step 1-2: lower-case Latin letters only (other scripts' letters are kept as they are). */
const latinLetters = (name: string): string => {
  const letters = name.normalize('NFKC').toLowerCase().normalize('NFD').replace(MARKS, '').replace(NOT_A_LETTER, '').replace(FINAL_HEH, '\u0629');
  let out = '';
  for (const char of letters) {
    out += ARABIC_TO_LATIN[char] ?? LATIN_LETTERS[char] ?? (ARABIC_LETTER.test(char) ? '' : char);
  }
  return out;
};

const VOWELS = 'aeiouy';
const consonantCount = (text: string): number => [...text].filter((c) => !VOWELS.includes(c)).length;

/**
 * Step 3. A glued `el`/`al` counts as the article when at least two consonants follow and the
 * next letter is not l, so Elamrani loses it and Ali, Alami, Allal, Elias keep theirs.
 */
const withoutArticle = (name: string): string => {
  const assimilated = /^e(ch|sh|th|dh|[tdsznr])(?=\1)/.exec(name);
  if (assimilated) return name.slice(1 + assimilated[1]!.length);
  if (/^[ae]l[^l]/.test(name) && consonantCount(name.slice(2)) >= 2) return name.slice(2);
  return name;
};

/** Step 4, in order: longer spellings before the letters they contain. */
const FOLDS: readonly [RegExp, string][] = [
  [/sch|tch|ch|sh/g, 'C'],
  [/kh|x/g, 'X'],
  [/gh/g, 'G'],
  [/dj/g, 'j'],
  [/dh/g, 'd'],
  [/th/g, 't'],
  [/ph/g, 'f'],
  [/ck|qu|q/g, 'k'],
  [/c(?=[eiy])/g, 's'],
  [/c/g, 'k'],
  [/ou(?=[aeiy])/g, 'w'],
  [/ou|oo/g, 'u'],
];

/**
 * The skeleton of one name field ("El Amrani", "محمد", "Ben Ali"); an empty string when it holds
 * no letter.
 */
export const nameSkeleton = (name: string): string => {
  let text = withoutArticle(latinLetters(name));
  for (const [pattern, replacement] of FOLDS) text = text.replace(pattern, replacement);
  text = text.replace(/([aeiouy])h$/, '$1');
  if (text.length === 0) return '';
  const [first, rest] = [text[0]!, text.slice(1)];
  const head = 'aeiou'.includes(first) ? 'a' : first;
  const tail = rest.replace(/[aeiouyw]/g, '');
  return (head + tail).replace(/(.)\1+/g, '$1');
};

/**
 * The key of a person's name: both fields' skeletons, in a fixed order so that a first and last
 * name entered the other way round still match. Undefined when either field has no letter.
 */
export const personNameKey = (firstName: string, lastName: string): string | undefined => {
  const parts = [nameSkeleton(firstName), nameSkeleton(lastName)];
  if (parts.some((part) => part.length === 0)) return undefined;
  return parts.sort().join('|');
};

/** Morocco's country calling code: national numbers (0 then 9 digits) are written with it. */
const MOROCCO = '212';

/**
 * A phone number as digits in international form, without `+`: "+212 6 00 00 00 00",
 * "00212600000000", "0600000000" and "+212 (0)600000000" are all "212600000000". A number in
 * national form is read as Moroccan (the cells are in Morocco); another country's number is
 * recognised only in international form (+ or 00). Undefined when fewer than 6 digits remain.
 */
export const normalisePhone = (phone: string): string | undefined => {
  const trimmed = phone.trim();
  const digits = trimmed.replace(/\D/g, '');
  let international: string;
  if (trimmed.startsWith('+')) international = digits;
  else if (digits.startsWith('00')) international = digits.slice(2);
  else if (digits.startsWith('0')) international = MOROCCO + digits.slice(1);
  else if (digits.startsWith(MOROCCO) && digits.length === MOROCCO.length + 9) international = digits;
  else international = digits;
  // "+212 0600…": the national trunk 0 kept after the country code.
  if (international.startsWith(`${MOROCCO}0`)) international = MOROCCO + international.slice(MOROCCO.length + 1);
  return international.length >= 6 ? international : undefined;
};
