import assert from 'node:assert/strict';
import { BehaviorSubject, Subject } from 'rxjs';
import type { LiveChange } from '../../src/api/event-stream.js';
import { HttpApi, type ApiBackend } from '../../src/api/http-api.js';
import type { EventStreamOptions } from '../../src/api/event-stream.js';
import { silentLogger } from '../../src/process/logger.js';
import { SseClient } from './sse-client.js';

/**
 * GET /api/events on its own: a stand-in station (a Subject of changes, a counter as the status)
 * behind the real HTTP server, read over loopback by a small EventSource.
 */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Feed {
  changes: Subject<LiveChange>;
  seq: number;
  charging: boolean;
  padding: string;
}

async function liveApi(events: EventStreamOptions = {}, changes: Subject<LiveChange> = new Subject<LiveChange>()): Promise<{ base: string; api: HttpApi; feed: Feed }> {
  const feed: Feed = { changes, seq: 0, charging: false, padding: '' };
  const backend: ApiBackend = {
    status: () => ({ seq: feed.seq }),
    presentIdToken: async () => ({ outcome: 'rejected', status: 'Busy' }),
    clearFaults: () => [],
    stopTransaction: () => undefined,
    simulation: () => undefined,
    live: { changes$: feed.changes, status: () => ({ seq: feed.seq, padding: feed.padding }), charging: () => feed.charging },
  };
  const api = new HttpApi(backend, silentLogger, { routes: { simulation: false, faultClearing: false }, events });
  const port = await api.listen('127.0.0.1', 0);
  return { base: `http://127.0.0.1:${port}`, api, feed };
}

async function until(ok: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('GET /api/events: the live feed', () => {
  it('a status at connect, coalesced changes (at most one per 200 ms), "sessions" when a session ended', async () => {
    const { base, api, feed } = await liveApi();
    const client = await SseClient.open(`${base}/api/events`);
    try {
      assert.equal(client.status, 200);
      assert.match(client.contentType ?? '', /^text\/event-stream/);
      const first = await client.next<{ seq: number }>('status');
      assert.equal(first.data.seq, 0);
      // A burst of 20 changes within a few ms: the page gets the newest, not 20 frames.
      for (let i = 1; i <= 20; i++) {
        feed.seq = i;
        feed.changes.next('status');
      }
      await client.next<{ seq: number }>('status', (d) => d.seq === 20);
      await sleep(450);
      const statuses = client.of<{ seq: number }>('status');
      assert.ok(statuses.length <= 3, `coalesced: ${statuses.map((s) => s.data.seq).join(', ')}`);
      // The status at connect is the page's own; the window holds between the broadcasts after it.
      for (let i = 2; i < statuses.length; i++) assert.ok(statuses[i]!.atMs - statuses[i - 1]!.atMs >= 150, "not closer than the window");
      feed.seq = 21;
      feed.changes.next('sessions');
      await client.next('sessions');
      await client.next<{ seq: number }>('status', (d) => d.seq === 21);
    } finally {
      client.close();
      await api.close();
    }
  });

  it("what the feed replays when followed (a state holder's current value) is not sent again", async () => {
    const replaying = new BehaviorSubject<LiveChange>('status');
    const { base, api } = await liveApi({}, replaying);
    const client = await SseClient.open(`${base}/api/events`);
    try {
      await client.next('status');
      await sleep(400);
      assert.equal(client.of('status').length, 1, 'only the status at connect');
      replaying.next('status');
      await client.next('status', () => true, 1000, 1);
    } finally {
      client.close();
      await api.close();
    }
  });

  it('every second while charging, none while idle; a keep-alive comment', async () => {
    const { base, api, feed } = await liveApi({ tickMs: 200, keepAliveMs: 150 });
    const client = await SseClient.open(`${base}/api/events`);
    try {
      await client.next('status');
      await sleep(500);
      assert.equal(client.of('status').length, 1, 'idle: only the status at connect');
      assert.ok(client.comments.includes('keep-alive'), 'a keep-alive comment line');
      feed.charging = true;
      await sleep(700);
      const ticks = client.of('status').length - 1;
      assert.ok(ticks >= 2 && ticks <= 4, `ticks while charging: ${ticks}`);
    } finally {
      client.close();
      await api.close();
    }
  });

  it('a closed page frees its subscription and timers; the next page follows again', async () => {
    const { base, api, feed } = await liveApi();
    const a = await SseClient.open(`${base}/api/events`);
    const b = await SseClient.open(`${base}/api/events`);
    try {
      await a.next('status');
      await b.next('status');
      assert.equal(api.liveClients, 2);
      assert.equal(feed.changes.observed, true);
      a.close();
      await until(() => api.liveClients === 1, 'one page left');
      assert.equal(feed.changes.observed, true, 'still followed for the other page');
      b.close();
      await until(() => api.liveClients === 0, 'no page left');
      assert.equal(feed.changes.observed, false, 'the station is no longer followed');
      const c = await SseClient.open(`${base}/api/events`);
      await c.next('status');
      assert.equal(feed.changes.observed, true);
      c.close();
      await until(() => !feed.changes.observed, 'freed again');
    } finally {
      a.close();
      b.close();
      await api.close();
    }
  });

  it('back-pressure: a page that does not read gets the newest status when it catches up, not a backlog', async () => {
    const { base, api, feed } = await liveApi({ coalesceMs: 0 });
    // 2 MB per status: a few fill the socket buffers of a page that does not read.
    feed.padding = 'x'.repeat(2 * 1024 * 1024);
    const client = await SseClient.open(`${base}/api/events`);
    try {
      await client.next('status');
      client.pause();
      for (let i = 1; i <= 40; i++) {
        feed.seq = i;
        feed.changes.next('status');
        await sleep(5);
      }
      client.resume();
      await client.next<{ seq: number }>('status', (d) => d.seq === 40, 5000);
      const seen = client.of<{ seq: number }>('status').map((s) => s.data.seq);
      assert.ok(seen.length < 15, `skipped while writing: ${seen.join(', ')}`);
      assert.deepEqual(
        [...seen].sort((x, y) => x - y),
        seen,
        'in order',
      );
    } finally {
      client.close();
      await api.close();
    }
  });

  it('POST is a 405; without a live feed the route is a 404', async () => {
    const { base, api } = await liveApi();
    try {
      assert.equal((await fetch(`${base}/api/events`, { method: 'POST' })).status, 405);
    } finally {
      await api.close();
    }
    const bare = new HttpApi(
      { status: () => ({}), presentIdToken: async () => ({ outcome: 'rejected', status: 'Busy' }), clearFaults: () => [], stopTransaction: () => undefined, simulation: () => undefined },
      silentLogger,
      { routes: { simulation: false, faultClearing: false } },
    );
    const port = await bare.listen('127.0.0.1', 0);
    try {
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/events`)).status, 404);
    } finally {
      await bare.close();
    }
  });
});
