import type { CaseState, Journey, JourneyEntry } from './journey.schema';

/**
 * How `npm run journey` prints a journey, and the case as of an instant: a text table for a
 * terminal, JSON as the HTTP API answers it, or CSV (RFC 4180) for a spreadsheet.
 */
export const Formats = ['text', 'json', 'csv'] as const;
export type Format = (typeof Formats)[number];

export interface JourneyReport {
  journey: Journey;
  /** With --as-of: the case then (and the journey holds only the events that had happened). */
  state?: CaseState;
}

const columns: { title: string; value: (entry: JourneyEntry) => string }[] = [
  { title: 'OCCURRED AT', value: (entry) => entry.occurredAt },
  { title: 'TYPE', value: (entry) => entry.type },
  { title: 'CELL', value: (entry) => entry.cellId ?? '' },
  { title: 'ACTOR', value: (entry) => entry.actor },
  { title: 'SUMMARY', value: (entry) => entry.summary },
];

const table = (rows: string[][]): string[] => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '));
};

const stateLines = (state: CaseState): string[] => {
  const yesNo = (value: boolean) => (value ? 'yes' : 'no');
  const lines: [string, string][] = [
    ['cell', `${state.cellId}${state.cellId === state.registeredAtCellId ? '' : ` (registered at ${state.registeredAtCellId})`}`],
    ['registered', `${state.registeredAt} as ${state.category}`],
    ['status', state.closure ? `${state.status} (${state.closure.reason}, ${state.closure.closedAt})` : state.status],
    ['consents', `services: ${yesNo(state.consents.services)}, sharing: ${yesNo(state.consents.sharing)}, statistics: ${yesNo(state.consents.statistics)}`],
    ['transfer', state.pendingTransfer ? `to ${state.pendingTransfer.toCellId} requested ${state.pendingTransfer.requestedAt} (${state.pendingTransfer.reason})` : 'none pending'],
  ];
  const list = (title: string, items: string[]) => (items.length === 0 ? [[title, 'none'] as [string, string]] : items.map((item, index) => [index === 0 ? title : '', item] as [string, string]));
  lines.push(...list('needs', state.needs.map((need) => `${need.code} (${need.priority}): ${need.status}${need.metAt ? ` ${need.metAt}` : ''}`)));
  lines.push(...list('follow-ups', state.followUps.map((followUp) => `due ${followUp.dueDate}: ${followUp.outcome ?? 'pending'}`)));
  lines.push(
    ...list(
      'referrals',
      state.referrals.map((referral) => {
        const detail = referral.declineReason ?? referral.outcome ?? referral.revokeReason;
        const flags = referral.flags.length > 0 ? ` [flagged: ${referral.flags.join(', ')}]` : '';
        return `${referral.partnerId} for ${referral.need}: ${referral.status}${detail ? ` (${detail})` : ''}${referral.consentOverridden ? ', consent override' : ''}${flags}`;
      }),
    ),
  );
  return [`Case as of ${state.asOf} (${state.eventsApplied} events, the last at ${state.lastEventAt})`, ...table(lines.map(([title, value]) => [title, value]))];
};

const text = ({ journey, state }: JourneyReport): string => {
  const heading = `Journey of beneficiary ${journey.beneficiaryId}: ${journey.events.length} event${journey.events.length === 1 ? '' : 's'}${state ? ` up to ${state.asOf}` : ''}`;
  const rows = table([columns.map((column) => column.title), ...journey.events.map((entry) => columns.map((column) => column.value(entry)))]);
  return [heading, ...rows, ...(state ? ['', ...stateLines(state)] : [])].join('\n') + '\n';
};

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces,
 * quotes doubled. A field a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is
 * prefixed with an apostrophe (OWASP "CSV injection").
 */
export const csvField = (value: string): string => {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

const csvLine = (fields: string[]): string => fields.map(csvField).join(',');

/** Nested fields as dotted paths, list items by index: `referrals.1.status`. */
const flatten = (value: unknown, path: string): [string, string][] => {
  if (Array.isArray(value)) return value.length === 0 ? [[path, '']] : value.flatMap((item, index) => flatten(item, `${path}.${index}`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => flatten(item, path ? `${path}.${key}` : key));
  return [[path, value === null ? '' : String(value)]];
};

const csv = ({ journey, state }: JourneyReport): string => {
  const header = ['beneficiaryId', 'occurredAt', 'type', 'cellId', 'actor', 'stream', 'revision', 'summary', 'data'];
  const rows = journey.events.map((entry) =>
    [journey.beneficiaryId, entry.occurredAt, entry.type, entry.cellId ?? '', entry.actor, entry.stream, String(entry.revision), entry.summary, JSON.stringify(entry.data)],
  );
  const lines = [header, ...rows].map(csvLine);
  // The state follows, after an empty line, as a table of its own: field, value.
  if (state) lines.push('', csvLine(['field', 'value']), ...flatten(state, '').map(([field, value]) => csvLine([field, value])));
  return lines.join('\r\n') + '\r\n';
};

export const formatJourney = (report: JourneyReport, format: Format): string => {
  switch (format) {
    case 'text':
      return text(report);
    case 'json':
      return JSON.stringify(report.state ? { ...report.journey, state: report.state } : report.journey, null, 2) + '\n';
    case 'csv':
      return csv(report);
    default: {
      const unknown: never = format;
      throw new Error(`Unknown format ${String(unknown)}`);
    }
  }
};
