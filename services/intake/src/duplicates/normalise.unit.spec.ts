import fc from 'fast-check';
import { nameSkeleton, normalisePhone, personNameKey } from './normalise';

/** Spellings of one name that cells meet, in Latin and Arabic script. */
const SAME_NAME: readonly (readonly string[])[] = [
  ['Mohamed', 'Mohammed', 'Muhammad', 'Mohammad', 'Mouhamed', 'محمد', 'مُحَمَّد'],
  ['El Amrani', 'Elamrani', 'Al-Amrani', "El'Amrani", 'EL AMRANI', 'Amrani', 'العمراني'],
  ['Youssef', 'Yousef', 'Yusuf', 'Youcef', 'يوسف'],
  ['Fatima', 'Fatma', 'Fatimah', 'Fátima', 'فاطمة', 'فاطمه'],
  ['Benali', 'Ben Ali', 'Ben-Ali', 'بنعلي'],
  ['Khadija', 'Khadidja', 'Khadîja', 'خديجة'],
  ['Aicha', 'Aïcha', 'Aisha', 'عائشة'],
  ['Es-Saadi', 'Essaadi', 'Saadi', 'السعدي'],
  ['Errachidi', 'Er Rachidi', 'الرشيدي'],
  ['Abdelkader', 'Abd El Kader', 'Abdul Qadir', 'عبد القادر'],
  ['Oussama', 'Ousama', 'Usama', 'أسامة'],
  ['Ouafae', 'Wafae', 'وفاء'],
  ['Marouane', 'Marwan', 'مروان'],
];

/** Names no spelling variant turns into one another. */
const DIFFERENT_NAMES = ['Amina', 'Samir', 'Mina', 'Karim', 'Youssef', 'Fatima', 'Khadija', 'Rachid', 'Nadia', 'Mohamed', 'Ahmed', 'Hamid', 'Ali', 'Alami', 'Benali'];

describe('nameSkeleton', () => {
  describe.each(SAME_NAME.map((spellings) => [spellings[0]!, spellings] as const))('when %s is spelt another way', (_name, spellings) => {
    it.each(spellings.slice(1))('gives %s the same skeleton', (spelling) => expect(nameSkeleton(spelling)).toBe(nameSkeleton(spellings[0]!)));
  });

  it('keeps different names apart', () => {
    const skeletons = DIFFERENT_NAMES.map(nameSkeleton);
    expect(new Set(skeletons).size).toBe(DIFFERENT_NAMES.length);
    expect(nameSkeleton('Amina')).not.toBe(nameSkeleton('Samir'));
  });

  it('keeps an "al" or "el" that starts a name rather than an article (Ali, Alami, Allal, Elias)', () => {
    expect(nameSkeleton('Ali')).toBe('al');
    expect(nameSkeleton('Alami')).toBe('alm');
    expect(nameSkeleton('Elias')).toBe('als');
    expect(nameSkeleton('Allal')).toBe(nameSkeleton('علال'));
  });

  it('is empty when the field holds no letter', () => {
    expect(nameSkeleton(" - ' .")).toBe('');
  });
});

describe('personNameKey', () => {
  it('matches the examples of issue 6 written in either script', () => {
    expect(personNameKey('Mohamed', 'El Amrani')).toBe(personNameKey('محمد', 'العمراني'));
    expect(personNameKey('Youssef', 'Benali')).toBe(personNameKey('Yusuf', 'Ben Ali'));
    expect(personNameKey('Fatima', 'Al-Amrani')).toBe(personNameKey('فاطمة', 'Elamrani'));
  });

  it('matches a first and last name entered the other way round', () => {
    expect(personNameKey('Benali', 'Amina')).toBe(personNameKey('Amina', 'Benali'));
  });

  it('tells people apart by either name', () => {
    expect(personNameKey('Amina', 'Benali')).not.toBe(personNameKey('Samir', 'Benali'));
    expect(personNameKey('Amina', 'Benali')).not.toBe(personNameKey('Amina', 'Amrani'));
  });

  it('has no key for a name without letters', () => {
    expect(personNameKey('-', 'Benali')).toBeUndefined();
  });
});

describe('normalisePhone', () => {
  it.each(['+212600000000', '+212 6 00 00 00 00', '00212600000000', '0600000000', '06 00 00 00 00', '212600000000', '+212 0600000000'])(
    'reads %s as the Moroccan number 212600000000',
    (phone) => expect(normalisePhone(phone)).toBe('212600000000'),
  );

  it('keeps a foreign number in international form', () => {
    expect(normalisePhone('+33 6 12 34 56 78')).toBe('33612345678');
    expect(normalisePhone('0033612345678')).toBe('33612345678');
  });

  it('has no key for fewer than 6 digits', () => expect(normalisePhone('+1 234')).toBeUndefined());
});

describe('properties', () => {
  /** Letters that take part in no two-letter spelling (ch, kh, dj, ou…): any order of them is a plain name. */
  const consonant = fc.constantFrom('b', 'f', 'l', 'm', 'n', 'r', 'z', 'v');
  const vowel = fc.constantFrom('a', 'e', 'i', 'o', 'u');
  const syllable = fc.tuple(consonant, vowel).map(([c, v]) => c + v);
  const plainName = fc.array(syllable, { minLength: 1, maxLength: 5 }).map((syllables) => syllables.join(''));
  /** Any text a person field may hold: Latin with accents, Arabic with harakat, separators. */
  const anyName = fc.string({ unit: fc.constantFrom(...'abcdeéfghijklmnopqrstuvwxyzçàïôAMK محمدعليفاطمةهًٌُـ-\''.split('')), maxLength: 20 });

  it('ignores spaces, hyphens and apostrophes anywhere', () =>
    fc.assert(
      fc.property(anyName, fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '-', "'", '  '))), (name, inserts) => {
        const chars = [...name];
        for (const [at, separator] of inserts) chars.splice(at % (chars.length + 1), 0, separator);
        expect(nameSkeleton(chars.join(''))).toBe(nameSkeleton(name));
      }),
    ));

  it('ignores case and accents', () =>
    fc.assert(
      fc.property(plainName, fc.array(fc.nat()), (name, accented) => {
        const marks = ['\u0301', '\u0300', '\u0308', '\u0302'];
        const chars = [...name].map((c, i) => (accented.includes(i) ? c + marks[i % marks.length]! : c));
        expect(nameSkeleton(chars.join('').normalize('NFC').toUpperCase())).toBe(nameSkeleton(name));
      }),
    ));

  it('ignores Arabic harakat and tatweel', () =>
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'بتجحدرزسشطعفقكلمنهوي'.split('')), minLength: 1, maxLength: 8 }), fc.array(fc.nat()), (name, marked) => {
        const marks = ['\u064E', '\u064F', '\u0650', '\u0651', '\u0652', '\u0640'];
        const chars = [...name].map((c, i) => (marked.includes(i) ? c + marks[i % marks.length]! : c));
        expect(nameSkeleton(chars.join(''))).toBe(nameSkeleton(name));
      }),
    ));

  it('ignores which vowel is written after the first letter, and doubled letters', () =>
    fc.assert(
      fc.property(plainName, fc.array(fc.tuple(fc.nat(), vowel)), fc.array(fc.nat()), (name, vowelSwaps, doubled) => {
        const chars = [...name];
        for (const [at, replacement] of vowelSwaps) {
          const i = 1 + (at % Math.max(1, chars.length - 1));
          if (i < chars.length && 'aeiou'.includes(chars[i]!)) chars[i] = replacement;
        }
        const variant = chars.map((c, i) => (doubled.includes(i) ? c + c : c)).join('');
        expect(nameSkeleton(variant)).toBe(nameSkeleton(name));
      }),
    ));

  it('keeps names apart whose consonants differ', () =>
    fc.assert(
      fc.property(plainName, plainName, (a, b) => {
        const consonants = (name: string) => name.replace(/[aeiou]/g, '').replace(/(.)\1+/g, '$1');
        fc.pre(consonants(a) !== consonants(b));
        expect(nameSkeleton(a)).not.toBe(nameSkeleton(b));
      }),
    ));

  it('reads every way of writing a Moroccan mobile number as one', () =>
    fc.assert(
      fc.property(fc.constantFrom('6', '7'), fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 8, maxLength: 8 }), fc.nat(3), (lead, rest, form) => {
        const national = `${lead}${rest}`;
        const spaced = national.replace(/(\d{2})/g, '$1 ').trim();
        const written = [`+212${national}`, `00212 ${spaced}`, `0${spaced}`, `+212 0${national}`][form]!;
        expect(normalisePhone(written)).toBe(`212${national}`);
      }),
    ));

  it('never gives two different numbers one form', () =>
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 9, maxLength: 9 }), fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 9, maxLength: 9 }), (a, b) => {
        fc.pre(a !== b);
        expect(normalisePhone(`0${a}`)).not.toBe(normalisePhone(`0${b}`));
      }),
    ));
});
