import { Inject, Injectable, Logger, MessageEvent, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { LogPosition, StoredEvent } from '@oriental/contracts';
import { CheckpointStore, EVENT_STORE, EventStore, LogFollower } from '@oriental/event-store';
import { compareLogPositions } from '@oriental/read-store';
import { ReferenceData } from '@oriental/reference-data';
import { REFERENCE_DATA, SERVICE_CONFIG, ServiceConfig } from '@oriental/service-kit';
import { Observable, Subject } from 'rxjs';
import { FEED_STREAM_PREFIXES, FeedItem, HubNotification } from './hub-notification';
import { HubNotifications } from './hub-notifications';

/** The follower's checkpoint: where the live feed resumes after a restart (not where clients resume: their Last-Event-ID says). */
export const HUB_FEED_FOLLOWER = 'reporting-hub-feed';

/** Events read at once when a reconnecting client catches up. */
const CATCH_UP_PAGE = 256;

/** How often the feed looks whether the HTTP server still listens (see `watchServer`). */
const SERVER_WATCH_MS = 200;

/** How long a Last-Event-ID ahead of this feed may wait for it (another instance handed it out a moment earlier). */
const AHEAD_WAIT_MS = 2_000;

/**
 * The coordination hub's live feed: ONE follower of the log for every client of the process,
 * fanned out (an RxJS Subject), each client's filter applied to each notification.
 *
 * - A client that connects without Last-Event-ID starts live, at the position the feed has reached.
 * - A client that reconnects with Last-Event-ID reads what it missed from the log (`readAll`
 *   after that position, a page at a time), while the live notifications that arrive meanwhile
 *   wait in its buffer; then it goes live. Each client keeps the last position it was brought to
 *   and passes on only what lies beyond it, so the seam between the two, and a batch the
 *   follower handles again after a failure (at-least-once), give neither a gap nor a repeat.
 * - With no client connected, a batch costs the follower a comparison: nothing is translated.
 * - Heartbeats are comments carrying the client's position as `id` (an `id:` field without data
 *   dispatches no event but moves the client's last event id, WHATWG HTML §9.2.6), so a client
 *   whose filter let nothing through for hours resumes from there, not from hours back.
 */
@Injectable()
export class HubFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('HubFeed');
  private readonly live = new Subject<FeedItem>();
  /** Ends every client's stream when the service stops: a stream left open would hold the HTTP server's close. */
  private readonly closing = new Subject<void>();
  private readonly follower: LogFollower;
  private readonly notifications: HubNotifications;
  private readonly heartbeatMs: number;
  /** The last position handled: every followed event up to it went to the live clients. */
  private reached?: LogPosition;
  private readonly waiting = new Set<() => void>();
  private serverWatch?: NodeJS.Timeout;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REFERENCE_DATA) referenceData: ReferenceData,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Optional() @Inject(HttpAdapterHost) private readonly http?: HttpAdapterHost,
  ) {
    this.notifications = new HubNotifications(store, referenceData);
    this.heartbeatMs = config.HUB_HEARTBEAT_SECONDS * 1000;
    this.follower = new LogFollower({
      name: HUB_FEED_FOLLOWER,
      store,
      checkpoints: checkpointsOf(store),
      streamPrefixes: FEED_STREAM_PREFIXES,
      handle: (events) => this.handle(events),
      logger: { log: (m) => this.logger.log(m), warn: (m) => this.logger.warn(m), error: (m) => this.logger.error(m) },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.follower.start();
    this.reached = this.follower.status().lastPosition;
    this.watchServer();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.serverWatch);
    this.end();
    await this.follower.stop();
  }

  /**
   * A service stops by closing its HTTP server and waiting for the requests in flight to finish
   * before it closes the application (service-kit `startService`): an open stream never would.
   * So the feed ends its streams as soon as the server stops listening; their clients reconnect,
   * with their Last-Event-ID, to another instance or to this one once it is back.
   */
  private watchServer(): void {
    const server = this.http?.httpAdapter?.getHttpServer() as
      | { listening?: boolean; closeIdleConnections?: () => void; once?: (event: 'listening', listener: () => void) => void }
      | undefined;
    if (!server?.once) return;
    // Bootstrap runs before the server listens: watch from then on.
    let listened = server.listening === true;
    server.once('listening', () => (listened = true));
    this.serverWatch = setInterval(() => {
      if (!listened || server.listening) return;
      clearInterval(this.serverWatch);
      this.end();
      // The ended streams leave idle keep-alive connections, which the server's close closed
      // only if they were idle when it was called: close them now, not at their keep-alive timeout.
      setTimeout(() => server.closeIdleConnections?.(), SERVER_WATCH_MS).unref();
    }, SERVER_WATCH_MS);
    this.serverWatch.unref();
  }

  /** Ends every open stream (their clients reconnect, with their Last-Event-ID, elsewhere or later). */
  end(): void {
    this.closing.next();
  }

  /** The position the feed has reached, if it has handled anything. */
  get position(): LogPosition | undefined {
    return this.reached;
  }

  /**
   * Whether `position` is one this log can resume after: of the form of its positions (decimal
   * or `<commit>/<prepare>`), and not beyond what the feed has reached (waiting a moment for it).
   */
  async canResumeAfter(position: string): Promise<boolean> {
    if (!/^(0|[1-9]\d{0,19})(\/(0|[1-9]\d{0,19}))?$/.test(position)) return false;
    const deadline = Date.now() + AHEAD_WAIT_MS;
    for (;;) {
      const reached = this.reached;
      if (reached !== undefined) {
        if (reached.includes('/') !== position.includes('/')) return false;
        if (compareLogPositions(position, reached) <= 0) return true;
      }
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiting.add(done);
      });
    }
  }

  /**
   * One client's stream: what it missed after `after` (when given), then live, each notification
   * `accepts` lets through as an SSE message whose id is its log position. `hangUp` closes the
   * client's connection once its stream has ended because the service stops.
   */
  stream(after: LogPosition | undefined, accepts: (notification: HubNotification) => boolean, hangUp?: () => void): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      let cursor = after ?? this.reached;
      let catchingUp = after !== undefined;
      const buffered: FeedItem[] = [];
      const deliver = (item: FeedItem) => {
        if (cursor !== undefined && compareLogPositions(item.position, cursor) <= 0) return;
        cursor = item.position;
        if (accepts(item.notification)) subscriber.next({ id: item.position, data: item.notification });
      };
      const mark = (comment: string): MessageEvent => (cursor !== undefined ? { id: cursor, comment } : { comment });

      // First, at once: the headers go out, and a client that connected live learns where it stands.
      subscriber.next(mark('connected'));
      const live = this.live.subscribe((item) => (catchingUp ? buffered.push(item) : deliver(item)));
      const ended = this.closing.subscribe(() => {
        subscriber.complete();
        hangUp?.();
      });
      const heartbeat = setInterval(() => subscriber.next(mark('heartbeat')), this.heartbeatMs);
      heartbeat.unref();

      if (after !== undefined) {
        void (async () => {
          let position = after;
          for (;;) {
            const page = await this.store.readAll({ after: position, maxCount: CATCH_UP_PAGE, streamPrefixes: FEED_STREAM_PREFIXES });
            if (subscriber.closed) return;
            for (const item of await this.notifications.itemsOf(page.events)) deliver(item);
            // Past events of these categories that publish nothing: the live feed will not bring them either.
            if (page.checkpoint !== undefined && compareLogPositions(page.checkpoint, cursor!) > 0) cursor = page.checkpoint;
            position = page.checkpoint ?? position;
            if (page.endOfLog || page.checkpoint === undefined) break;
          }
          catchingUp = false;
          for (const item of buffered.splice(0)) deliver(item);
        })().catch((error: unknown) => subscriber.error(error));
      }

      return () => {
        clearInterval(heartbeat);
        live.unsubscribe();
        ended.unsubscribe();
      };
    });
  }

  private async handle(events: StoredEvent[]): Promise<void> {
    const reached = this.reached;
    const fresh = reached === undefined ? events : events.filter((event) => compareLogPositions(event.position, reached) > 0);
    if (fresh.length === 0) return;
    const last = fresh[fresh.length - 1]!.position;
    if (this.live.observed) {
      // Clients that connect while this batch is translated start before it, and receive it.
      const items = await this.notifications.itemsOf(fresh);
      for (const item of items) this.live.next(item);
    }
    this.reached = last;
    for (const wake of [...this.waiting]) wake();
    this.waiting.clear();
  }
}

/** The event store keeps followers' checkpoints too (both adapters); a store that does not is refused by name. */
const checkpointsOf = (store: EventStore): CheckpointStore => {
  const candidate = store as Partial<CheckpointStore> & EventStore;
  if (typeof candidate.load !== 'function' || typeof candidate.save !== 'function') throw new Error(`The ${store.kind} event store keeps no checkpoints`);
  return candidate as CheckpointStore;
};
