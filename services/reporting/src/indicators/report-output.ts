import type { Response } from 'express';
import { csvField } from '../journeys/journey.format';
import type { ReportQuery } from './report-query';

/** Every leaf of an answer as a dotted path and its text: `beneficiaries.byCell.oujda` → `7`; null as an empty field. */
const figuresOf = (value: unknown, path: string): [string, string][] => {
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => figuresOf(item, path ? `${path}.${key}` : key));
  return [[path, value === null ? '' : String(value)]];
};

/**
 * A report as CSV (RFC 4180, CRLF, formula-safe fields): a header `figure,value`, then one row
 * per figure of the JSON answer, in the same order, its path dotted. One shape for every
 * indicator, so a spreadsheet or a script reads them all the same way.
 */
export const reportCsv = (answer: object): string =>
  [['figure', 'value'], ...figuresOf(answer, '')].map((fields) => fields.map(csvField).join(',')).join('\r\n') + '\r\n';

/**
 * What a report handler returns: the answer as JSON, or as CSV (`text/csv`, as a download named
 * after the indicator) when the query asked for it. The answer depends on `Accept`: `Vary` says so.
 */
export const reportAnswer = <Answer extends object>(response: Response, query: ReportQuery, indicator: string, answer: Answer): Answer | string => {
  response.setHeader('Vary', 'Accept');
  if (query.format === 'json') return answer;
  response.setHeader('Content-Type', 'text/csv; charset=utf-8');
  response.setHeader('Content-Disposition', `attachment; filename="${indicator}-report.csv"`);
  return reportCsv(answer);
};
