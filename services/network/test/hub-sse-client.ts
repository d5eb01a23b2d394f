/**
 * A Server-Sent Events client for specs, parsing the stream as EventSource does (WHATWG HTML
 * §9.2.6: fields `id`, `event`, `data`, comments, dispatch on a blank line, an `id` without data
 * moving the last event id without dispatching), over Node's fetch, so a spec can disconnect and
 * reconnect with the Last-Event-ID it holds.
 */
export interface SseEvent {
  id: string;
  type: string;
  data: string;
  /** When it was dispatched (ms since the epoch). */
  at: number;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** As EventSource keeps it: the last `id` field dispatched, data or not. */
  lastEventId = '';
  private readonly reading: Promise<void>;
  private readonly listeners = new Set<() => void>();
  private reader?: ReadableStreamDefaultReader<Uint8Array>;

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    /** The problem details of a refused connection. */
    readonly problem: { status: number; code: string } | undefined,
    body: ReadableStream<Uint8Array> | null,
    lastEventId: string,
    private readonly abort: AbortController,
  ) {
    this.lastEventId = lastEventId;
    this.reading = body ? this.read(body) : Promise.resolve();
  }

  /** Opens the stream; answers once the status and headers are in (the body is read as it comes). */
  static async connect(url: string, token: string, options: { lastEventId?: string; accept?: string } = {}): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, {
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: options.accept ?? 'text/event-stream',
        ...(options.lastEventId !== undefined ? { 'Last-Event-ID': options.lastEventId } : {}),
      },
      signal: abort.signal,
    });
    const problem = response.ok ? undefined : ((await response.json()) as { status: number; code: string });
    return new SseClient(response.status, response.headers, problem, response.ok ? response.body : null, options.lastEventId ?? '', abort);
  }

  /** Parsed data of every event received, in order. */
  data<T = Record<string, unknown>>(): T[] {
    return this.events.map((event) => JSON.parse(event.data) as T);
  }

  /** Resolves once `predicate` holds of what was received, or rejects after `timeoutMs`. */
  async until(predicate: (client: SseClient) => boolean, timeoutMs = 5_000): Promise<void> {
    if (predicate(this)) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!predicate(this)) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`not received within ${timeoutMs} ms; got ${JSON.stringify(this.events.map((event) => event.data))}`));
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  /** Resolves when the server ends the stream (or the client disconnects). */
  ended(): Promise<void> {
    return this.reading.catch(() => undefined);
  }

  /** Disconnects, as a client going away does. */
  async close(): Promise<void> {
    await this.reader?.cancel().catch(() => undefined);
    this.abort.abort();
    await this.reading.catch(() => undefined);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let pending = '';
    let data: string[] = [];
    let type = '';
    let id: string | undefined;
    const dispatch = () => {
      if (id !== undefined) this.lastEventId = id;
      if (data.length > 0) this.events.push({ id: this.lastEventId, type: type || 'message', data: data.join('\n'), at: Date.now() });
      data = [];
      type = '';
      id = undefined;
    };
    const reader = (this.reader = body.getReader());
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        pending += decoder.decode(value, { stream: true });
        const lines = pending.split(/\r\n|\r|\n/);
        pending = lines.pop()!;
        for (const line of lines) {
          if (line === '') dispatch();
          else if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
          else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') data.push(value);
            else if (field === 'event') type = value;
            else if (field === 'id' && !value.includes('\0')) id = value;
          }
        }
        for (const listener of [...this.listeners]) listener();
      }
    } catch (error) {
      if (!this.abort.signal.aborted) throw error;
    }
  }
}
