import { reportCsv } from './report-output';

describe('a report as CSV', () => {
  it('writes a figure per row, its path dotted, RFC 4180 with CRLF', () => {
    expect(reportCsv({ request: { from: null, audience: 'public' }, beneficiaries: { total: 12, byCell: { oujda: 10, nador: '<5' } }, rate: 0.5 })).toBe(
      'figure,value\r\nrequest.from,\r\nrequest.audience,public\r\nbeneficiaries.total,12\r\nbeneficiaries.byCell.oujda,10\r\nbeneficiaries.byCell.nador,<5\r\nrate,0.5\r\n',
    );
  });

  it('quotes what needs quoting and defuses what a spreadsheet would run', () => {
    expect(reportCsv({ byNationality: { 'a,b': 1, '=cmd': 2 } })).toBe('figure,value\r\n"byNationality.a,b",1\r\nbyNationality.=cmd,2\r\n');
    expect(reportCsv({ '=HYPERLINK("x")': 1 })).toBe(`figure,value\r\n"'=HYPERLINK(""x"")",1\r\n`);
  });
});
