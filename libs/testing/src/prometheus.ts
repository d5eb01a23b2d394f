/**
 * A reader of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format), for specs
 * that scrape `/metrics`: each sample line as its name, labels and value, with `# TYPE` kept.
 * Refuses what the format does not allow (a sample it cannot read, a label value not quoted, a
 * TYPE declared twice or after the metric's samples), so a malformed scrape fails the spec.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  samples: Sample[];
  /** `# TYPE` by metric family name: counter, gauge, histogram, summary, untyped. */
  types: Record<string, string>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

const unescape = (value: string): string => value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

const parseValue = (text: string, line: string): number => {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a sample value: ${line}`);
  return value;
};

const parseLabels = (text: string, line: string): Record<string, string> => {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const at = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (!match || match.index !== at) throw new Error(`malformed labels: ${line}`);
    if (Object.hasOwn(labels, match[1]!)) throw new Error(`label ${match[1]} twice: ${line}`);
    labels[match[1]!] = unescape(match[2]!);
  }
  return labels;
};

/** The family a sample belongs to: a histogram's `_bucket`, `_sum` and `_count` are its own. */
const familyOf = (name: string, types: Record<string, string>): string => {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && (types[base] === 'histogram' || types[base] === 'summary')) return base;
  }
  return name;
};

export const parsePrometheusText = (text: string): Scrape => {
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  const seen = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const [, keyword, name, rest] = /^#\s*(\S+)\s+(\S+)\s*(.*)$/.exec(line) ?? [];
      if (keyword === 'TYPE') {
        if (!NAME.test(name!)) throw new Error(`bad metric name: ${line}`);
        if (types[name!] !== undefined || seen.has(name!)) throw new Error(`TYPE of ${name} twice or after its samples`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest!)) throw new Error(`unknown type: ${line}`);
        types[name!] = rest!;
      }
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample: ${line}`);
    const sample = { name: match[1]!, labels: match[3] ? parseLabels(match[3], line) : {}, value: parseValue(match[4]!, line) };
    seen.add(familyOf(sample.name, types));
    samples.push(sample);
  }
  return { samples, types };
};

/** The samples named `name` whose labels include every label given. */
export const samplesOf = (scrape: Scrape, name: string, labels: Record<string, string> = {}): Sample[] =>
  scrape.samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));

/** The sum of those samples' values (0 when there are none). */
export const sumOf = (scrape: Scrape, name: string, labels: Record<string, string> = {}): number => samplesOf(scrape, name, labels).reduce((sum, sample) => sum + sample.value, 0);
