import { csvField } from './journey.format';

describe('a CSV field', () => {
  it.each([
    ['plain', 'plain'],
    ['a, b', '"a, b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    [' padded', '" padded"'],
    ['', ''],
  ])('%j is written %j (RFC 4180)', (value, written) => expect(csvField(value)).toBe(written));

  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
  ])('%j cannot run as a spreadsheet formula: %j', (value, written) => expect(csvField(value)).toBe(written));
});
