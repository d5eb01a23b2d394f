import { LoggerService } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { currentService } from './service-scope';

const levels = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof levels;

/**
 * Structured logs: one JSON object a line on stdout, with the service name and, when a span is
 * active, its trace and span ids so a log line can be found from a trace and back.
 *
 * The service named is the one whose code is running (`service-scope.ts`), and this logger's own
 * name only outside every service's scope (the embedded host, the command-line tools): Nest's
 * static `Logger` is one per process, the last service's, so its name alone would be wrong for
 * the others when several share the process.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly service: string,
    private readonly minimum: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.emit('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.emit('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.emit('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.emit('debug', message, rest);
  }

  private emit(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (levels[level] < levels[this.minimum]) return;
    // Nest passes the context as the last string argument, and a stack before it for errors.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const span = trace.getActiveSpan()?.spanContext();
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      service: currentService() ?? this.service,
      ...(context ? { context } : {}),
    };
    if (message instanceof Error) {
      entry.msg = message.message;
      entry.err = { name: message.name, stack: message.stack };
    } else if (message && typeof message === 'object') {
      Object.assign(entry, message);
    } else {
      entry.msg = String(message);
    }
    for (const extra of rest) {
      if (typeof extra === 'string') entry.stack = extra;
      else if (extra instanceof Error) entry.err = { name: extra.name, message: extra.message, stack: extra.stack };
      else if (extra && typeof extra === 'object') Object.assign(entry, extra);
    }
    if (span && span.traceId !== '00000000000000000000000000000000') {
      entry.trace_id = span.traceId;
      entry.span_id = span.spanId;
    }
    this.write(JSON.stringify(entry));
  }
}
