import { Presets, SingleBar } from 'cli-progress';

/**
 * Progress bars for the long phases, on stderr so that stdout keeps only the results. The
 * bars redraw at most 5 times a second: the benches measure CPU, and drawing is not free.
 */
export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

export const progressBar = (label: string, total: number, unit: string): Progress => {
  const bar = new SingleBar(
    {
      format: `${label.padEnd(34)} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} | {duration_formatted}`,
      fps: 5,
      etaBuffer: 50,
      hideCursor: true,
      stream: process.stderr,
      // Redirected to a file or CI log: a line every 10 s instead of a redrawn bar.
      noTTYOutput: true,
      notTTYSchedule: 10_000,
    },
    Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(Math.max(1, total), 0, { rate: '' });
  return {
    update: (value, payload = {}) => {
      const seconds = (performance.now() - started) / 1000;
      bar.update(value, { rate: seconds > 0 ? `${Math.round(value / seconds).toLocaleString('en-US')}/s` : '', ...payload });
    },
    setTotal: (value) => bar.setTotal(Math.max(1, value)),
    stop: () => bar.stop(),
  };
};

/** Named phases and how long each took, printed at the end of a bench. */
export class PhaseTimer {
  readonly phases: { name: string; seconds: number }[] = [];

  async time<T>(name: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      this.phases.push({ name, seconds: (performance.now() - started) / 1000 });
    }
  }

  table(): string {
    const width = Math.max(...this.phases.map((p) => p.name.length), 5);
    return this.phases.map((p) => `  ${p.name.padEnd(width)}  ${p.seconds.toFixed(1).padStart(8)} s`).join('\n');
  }
}
