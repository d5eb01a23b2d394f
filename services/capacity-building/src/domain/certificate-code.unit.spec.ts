import { CERTIFICATE_CODE_PATTERN, certificateCodeOf } from './certificate-code';

describe('a certificate code', () => {
  it('spells 60 bits in three groups of Crockford base 32, which its pattern accepts', () => {
    const code = certificateCodeOf([0, 1, 2, 3, 10, 17, 18, 19, 27, 29, 30, 31]);
    expect(code).toBe('CB-0123-AHJK-VXYZ');
    expect(CERTIFICATE_CODE_PATTERN.test(code)).toBe(true);
  });

  it('never holds a letter one could misread (I, L, O, U), nor lower case', () => {
    for (const wrong of ['CB-0123-AHJK-VXYI', 'CB-0123-AHJK-VXYL', 'CB-0123-AHJK-VXYO', 'CB-0123-AHJK-VXYU', 'cb-0123-ahjk-vxyz', 'CB-0123-AHJK-VXY']) {
      expect(CERTIFICATE_CODE_PATTERN.test(wrong)).toBe(false);
    }
  });

  it('needs exactly twelve values of 0 to 31', () => {
    expect(() => certificateCodeOf([1, 2, 3])).toThrow();
    expect(() => certificateCodeOf([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 32])).toThrow();
  });
});
