import http from 'node:http';

/** A server-sent event as a browser's EventSource hands it over, with when it arrived. */
export interface ReceivedEvent {
  event: string;
  data: string;
  atMs: number;
}

/**
 * A small EventSource for tests (node has none): GET with http, the stream parsed into events
 * (WHATWG HTML "Interpreting an event stream": lines, `event:`, `data:`, a blank line ends one;
 * comment lines kept apart). Loopback only.
 */
export class SseClient {
  readonly events: ReceivedEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  private buffer = '';
  private req: http.ClientRequest | undefined;
  private res: http.IncomingMessage | undefined;
  private closed = false;

  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    return new Promise((resolve, reject) => {
      client.req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        client.res = res;
        client.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => client.take(chunk));
        res.on('error', () => undefined);
        resolve(client);
      });
      client.req.on('error', (err) => (client.closed ? undefined : reject(err)));
    });
  }

  get contentType(): string | undefined {
    return this.res?.headers['content-type'];
  }

  /** Stops reading: what the server writes piles up in the socket buffers. */
  pause(): void {
    this.res?.pause();
  }

  resume(): void {
    this.res?.resume();
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      let any = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments.push(line.slice(1).trim());
        } else if (line.startsWith('event:')) {
          event = line.slice(6).trim();
          any = true;
        } else if (line.startsWith('data:')) {
          data.push(line.slice(5).replace(/^ /, ''));
          any = true;
        }
      }
      if (any) this.events.push({ event, data: data.join('\n'), atMs: Date.now() });
    }
  }

  /** The events of a kind, data parsed as JSON. */
  of<T = Record<string, unknown>>(event: string): Array<{ data: T; atMs: number }> {
    return this.events.filter((e) => e.event === event).map((e) => ({ data: JSON.parse(e.data) as T, atMs: e.atMs }));
  }

  /** Waits for the first event of a kind after index `from` that satisfies `ok`. */
  async next<T = Record<string, unknown>>(event: string, ok: (data: T) => boolean = () => true, timeoutMs = 3000, from = 0): Promise<{ data: T; atMs: number; index: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.events.length; i++) {
        const e = this.events[i]!;
        if (e.event !== event) continue;
        const data = JSON.parse(e.data) as T;
        if (ok(data)) return { data, atMs: e.atMs, index: i };
      }
      if (Date.now() > deadline) throw new Error(`no "${event}" event as expected within ${timeoutMs} ms; got ${this.events.map((e) => e.event).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.closed = true;
    this.req?.destroy();
  }
}
