import type http from 'node:http';
import type { Observable, Subscription } from 'rxjs';
import { systemClock, type Clock, type TimerHandle } from '../station/clock.js';

/**
 * GET /api/events: the status page's live feed as server-sent events (WHATWG HTML "Server-sent
 * events"). `event: status` carries the JSON of GET /api/status: at connect, after the station's
 * events (coalesced, at most one per `coalesceMs`) and every `tickMs` while a transaction runs
 * (energy and power move without events); `event: sessions` says a session ended (the page
 * fetches the history again); a comment line every `keepAliveMs` keeps proxies and NAT from
 * dropping a quiet stream. One subscription to the station and one set of timers serve every
 * open page, and both go away with the last page.
 */

/** What changed: the status, or the history too (a session ended). */
export type LiveChange = 'status' | 'sessions';

export interface LiveFeed {
  changes$: Observable<LiveChange>;
  /** The status view, as GET /api/status answers. */
  status(): object;
  /** Whether a transaction runs now (the status then changes every second). */
  charging(): boolean;
}

export interface EventStreamOptions {
  clock?: Clock;
  coalesceMs?: number;
  tickMs?: number;
  keepAliveMs?: number;
}

interface StreamClient {
  res: http.ServerResponse;
  /** The last write has not reached the socket yet: statuses are skipped until it drains. */
  writing: boolean;
  /** A status was skipped while writing: the newest is sent on drain. */
  stale: boolean;
}

export class EventStream {
  private readonly clients = new Set<StreamClient>();
  private subscription: Subscription | undefined;
  private timers: TimerHandle[] = [];
  private pending: TimerHandle | undefined;
  private lastSentMs = -Infinity;
  private readonly clock: Clock;
  private readonly coalesceMs: number;
  private readonly tickMs: number;
  private readonly keepAliveMs: number;

  constructor(
    private readonly feed: LiveFeed,
    options: EventStreamOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.coalesceMs = options.coalesceMs ?? 200;
    this.tickMs = options.tickMs ?? 1000;
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
  }

  /** Open pages. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Whether the stream follows the station now (it does only while a page is open). */
  get following(): boolean {
    return this.subscription !== undefined;
  }

  /** Takes over the response: headers, the status at once, then the feed until the page goes. */
  open(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // A reverse proxy (nginx) would hold the stream back in its buffer.
      'x-accel-buffering': 'no',
    });
    const client: StreamClient = { res, writing: false, stale: false };
    this.clients.add(client);
    res.on('drain', () => {
      client.writing = false;
      if (client.stale) this.sendStatus(client, this.statusFrame());
    });
    const leave = (): void => this.leave(client);
    req.on('close', leave);
    res.on('close', leave);
    res.on('error', leave);
    // retry: how long the browser waits before it connects again after a drop.
    this.write(client, 'retry: 2000\n\n');
    this.sendStatus(client, this.statusFrame());
    if (this.clients.size === 1) this.follow();
  }

  private follow(): void {
    // What a state holder replays at subscription is the state the page was just sent.
    let replaying = true;
    this.subscription = this.feed.changes$.subscribe((change) => {
      if (replaying) return;
      if (change === 'sessions') this.broadcast('event: sessions\ndata: {}\n\n');
      this.statusChanged();
    });
    replaying = false;
    this.timers.push(
      this.clock.setInterval(() => {
        if (this.feed.charging()) this.flush();
      }, this.tickMs),
      this.clock.setInterval(() => this.broadcast(': keep-alive\n\n'), this.keepAliveMs),
    );
  }

  /** Coalesced: at once when the last status went out long enough ago, else at the end of the window. */
  private statusChanged(): void {
    if (this.pending) return;
    const wait = this.lastSentMs + this.coalesceMs - this.clock.nowMs();
    this.pending = this.clock.setTimeout(() => {
      this.pending = undefined;
      this.flush();
    }, Math.max(0, wait));
  }

  private flush(): void {
    if (this.clients.size === 0) return;
    const frame = this.statusFrame();
    this.lastSentMs = this.clock.nowMs();
    for (const client of this.clients) this.sendStatus(client, frame);
  }

  private statusFrame(): string {
    return `event: status\ndata: ${JSON.stringify(this.feed.status())}\n\n`;
  }

  /** Back-pressure: a page that reads slowly gets the newest status once it caught up, not a backlog. */
  private sendStatus(client: StreamClient, frame: string): void {
    if (client.writing) {
      client.stale = true;
      return;
    }
    client.stale = false;
    this.write(client, frame);
  }

  private broadcast(frame: string): void {
    for (const client of this.clients) this.write(client, frame);
  }

  private write(client: StreamClient, frame: string): void {
    if (client.res.destroyed || client.res.writableEnded) return;
    if (!client.res.write(frame)) client.writing = true;
  }

  private leave(client: StreamClient): void {
    if (!this.clients.delete(client)) return;
    if (!client.res.writableEnded) client.res.end();
    if (this.clients.size === 0) this.stopFollowing();
  }

  private stopFollowing(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.pending?.cancel();
    this.pending = undefined;
  }

  /** Ends every stream (the API closes). */
  close(): void {
    for (const client of [...this.clients]) this.leave(client);
    this.stopFollowing();
  }
}
