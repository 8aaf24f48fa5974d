import assert from 'node:assert/strict';
import { RpcEndpoint } from '../../src/ocpp/rpc/rpc-endpoint.js';
import { CallErrorResponse, CallTimeout, InvalidRequest, InvalidResponse, NotConnected, neutralErrorCode } from '../../src/ocpp/rpc/rpc-errors.js';
import { FakeClock } from '../../src/station/clock.js';
import { capturingLogger } from '../helpers/logging.js';
import { VERSIONS, WIRE, NOW, VALID, flush, harness } from './rpc-harness.js';

/** Our CALLs on one connection (outgoing-calls.ts through the endpoint): one in flight, in order, timeouts, answers matched, held while we answer. */

for (const version of VERSIONS) {
  describe(`RpcEndpoint ${version}: outgoing calls`, () => {
    it('resolves with the validated CALLRESULT payload', async () => {
      const h = harness(version);
      const result = h.endpoint.call('BootNotification', VALID[version].boot);
      const [type, id, action, payload] = h.sent[0]!;
      assert.deepEqual([type, action, payload], [2, 'BootNotification', VALID[version].boot]);
      assert.ok(typeof id === 'string' && id.length <= 36);
      h.endpoint.receive(JSON.stringify([3, id, VALID[version].bootResponse]));
      assert.deepEqual(await result, VALID[version].bootResponse);
      assert.equal(h.endpoint.pending.inFlight, undefined);
    });

    it('keeps one CALL in flight; later ones go in order as each is answered', async () => {
      const h = harness(version);
      const order: string[] = [];
      const first = h.endpoint.call('Heartbeat', {}).then(() => order.push('first'));
      const second = h.endpoint.call('Heartbeat', {}).then(() => order.push('second'));
      const third = h.endpoint.call('BootNotification', VALID[version].boot).then(() => order.push('third'));
      assert.equal(h.sent.length, 1);
      assert.deepEqual(h.endpoint.pending.queued, ['Heartbeat', 'BootNotification']);
      h.endpoint.receive(JSON.stringify([3, h.sent[0]![1], { currentTime: NOW }]));
      await first;
      assert.equal(h.sent.length, 2);
      assert.equal(h.sent[1]![2], 'Heartbeat');
      assert.deepEqual(h.endpoint.pending.queued, ['BootNotification']);
      h.endpoint.receive(JSON.stringify([4, h.sent[1]![1], 'GenericError', 'nope', {}]));
      await second.catch(() => order.push('second failed'));
      assert.equal(h.sent.length, 3);
      assert.equal(h.sent[2]![2], 'BootNotification');
      h.endpoint.receive(JSON.stringify([3, h.sent[2]![1], VALID[version].bootResponse]));
      await third;
      assert.deepEqual(order, ['first', 'second failed', 'third']);
      const ids = h.sent.map((f) => f[1]);
      assert.equal(new Set(ids).size, 3, 'message ids are unique');
    });

    it('times out, sends the next one, and ignores the late answer', async () => {
      const h = harness(version, {}, 2000);
      const first = h.endpoint.call('Heartbeat', {}, { timeoutMs: 30 });
      const second = h.endpoint.call('Heartbeat', {});
      const firstId = h.sent[0]![1];
      const timedOut = assert.rejects(first, (err: unknown) => err instanceof CallTimeout && err.action === 'Heartbeat' && err.timeoutMs === 30);
      await h.clock.advanceAsync(29);
      assert.equal(h.sent.length, 1, 'not before its 30 ms');
      await h.clock.advanceAsync(1);
      await timedOut;
      assert.equal(h.sent.length, 2, 'the queued call went out after the timeout');
      h.endpoint.receive(JSON.stringify([3, firstId, { currentTime: NOW }]));
      await flush();
      assert.equal(h.sent.length, 2, 'a late answer is never answered');
      assert.ok(h.logs.some((l) => l.startsWith('warning ') && l.includes('not a pending CALL')));
      assert.equal(h.endpoint.pending.inFlight?.messageId, h.sent[1]![1], 'the late answer did not settle the second call');
      h.endpoint.receive(JSON.stringify([3, h.sent[1]![1], { currentTime: NOW }]));
      assert.deepEqual(await second, { currentTime: NOW });
    });

    it('handles the peer CALL that crosses ours while ours waits', async () => {
      const h = harness(version);
      const ours = h.endpoint.call('BootNotification', VALID[version].boot);
      const ourId = h.sent[0]![1];
      h.endpoint.receive(`[2,"cross","Reset",${JSON.stringify(VALID[version].reset)}]`);
      await flush();
      assert.deepEqual(h.sent[1], [3, 'cross', { status: 'Accepted' }]);
      h.endpoint.receive(JSON.stringify([3, ourId, VALID[version].bootResponse]));
      assert.deepEqual(await ours, VALID[version].bootResponse);
    });

    describe('answer first, then act (holdCallsWhileAnsweringMs)', () => {
      /** An endpoint whose Reset handler makes a CALL (as a Reset's effects do), then answers after `answerAfterMs`. */
      const holding = (
        holdMs: number,
        answerAfterMs: number,
      ): { endpoint: RpcEndpoint; frames: () => unknown[][]; logs: string[]; made: Array<Promise<unknown>>; clock: FakeClock } => {
        const raw: string[] = [];
        const logs: string[] = [];
        const made: Array<Promise<unknown>> = [];
        const clock = new FakeClock();
        const endpoint = new RpcEndpoint({ version, send: (t) => raw.push(t), callTimeoutMs: () => 2000, holdCallsWhileAnsweringMs: () => holdMs, log: capturingLogger(logs), clock });
        endpoint.handle('Reset', async () => {
          made.push(endpoint.call('Heartbeat', {}));
          await new Promise<void>((resolve) => clock.setTimeout(resolve, answerAfterMs));
          return { status: 'Accepted' };
        });
        return { endpoint, frames: () => raw.map((t) => JSON.parse(t) as unknown[]), logs, made, clock };
      };

      it('a CALL the handler set off goes out after its CALLRESULT', async () => {
        const h = holding(1000, 20);
        h.endpoint.receive(`[2,"reset-1","Reset",${JSON.stringify(VALID[version].reset)}]`);
        await flush();
        assert.deepEqual(h.frames(), [], 'nothing before the answer');
        assert.deepEqual(h.endpoint.pending.queued, ['Heartbeat']);
        await h.clock.advanceAsync(60);
        const frames = h.frames();
        assert.deepEqual(frames[0], [3, 'reset-1', { status: 'Accepted' }]);
        assert.deepEqual([frames[1]?.[0], frames[1]?.[2]], [2, 'Heartbeat'], 'then the CALL it set off');
        h.endpoint.receive(JSON.stringify([3, frames[1]![1], { currentTime: NOW }]));
        assert.deepEqual(await h.made[0], { currentTime: NOW });
      });

      it('the CALL already in flight is not held back, nor are the answers to the peer', async () => {
        const h = holding(1000, 20);
        const ours = h.endpoint.call('BootNotification', VALID[version].boot);
        h.endpoint.receive(`[2,"reset-2","Reset",${JSON.stringify(VALID[version].reset)}]`);
        const ourId = h.frames()[0]![1];
        h.endpoint.receive(JSON.stringify([3, ourId, VALID[version].bootResponse]));
        assert.deepEqual(await ours, VALID[version].bootResponse);
        await h.clock.advanceAsync(60);
        assert.deepEqual(
          h.frames().map((f) => (f[0] === 2 ? `CALL ${String(f[2])}` : `answer ${String(f[1])}`)),
          ['CALL BootNotification', 'answer reset-2', 'CALL Heartbeat'],
        );
      });

      it('a handler that takes longer than the limit holds our CALLs no longer than the limit (it might await one of them)', async () => {
        const h = holding(30, 400);
        h.endpoint.receive(`[2,"reset-3","Reset",${JSON.stringify(VALID[version].reset)}]`);
        await h.clock.advanceAsync(120);
        assert.deepEqual(h.frames().map((f) => f[0]), [2], 'the CALL went out after 30 ms, the answer is still being worked on');
        assert.ok(h.logs.some((l) => l.startsWith('warning ') && l.includes('reset-3 still unanswered after 30 ms')));
        h.endpoint.connectionLost();
        await assert.rejects(h.made[0]!, NotConnected);
      });

      it('without the option nothing is held: the CALL goes out while the handler works', async () => {
        const h = holding(0, 20);
        h.endpoint.receive(`[2,"reset-4","Reset",${JSON.stringify(VALID[version].reset)}]`);
        await flush();
        assert.deepEqual(h.frames().map((f) => f[0]), [2]);
        await h.clock.advanceAsync(60);
        h.endpoint.connectionLost();
        await assert.rejects(h.made[0]!, NotConnected);
      });
    });

    it('a CALLERROR answer rejects with CallErrorResponse as on the wire', async () => {
      const h = harness(version);
      const call = h.endpoint.call('Heartbeat', {});
      h.endpoint.receive(JSON.stringify([4, h.sent[0]![1], WIRE[version].occurrence, 'missing x', { hint: 1 }]));
      await assert.rejects(call, (err: unknown) => {
        assert.ok(err instanceof CallErrorResponse);
        assert.deepEqual([err.action, err.errorCode, err.description, err.details], ['Heartbeat', WIRE[version].occurrence, 'missing x', { hint: 1 }]);
        assert.equal(neutralErrorCode(version, err.errorCode), 'OccurrenceConstraintViolation');
        return true;
      });
      assert.equal(h.sent.length, 1, 'a CALLERROR is never answered');
    });

    it('a CALLRESULT failing the response schema rejects with InvalidResponse', async () => {
      const h = harness(version);
      const call = h.endpoint.call('BootNotification', VALID[version].boot);
      h.endpoint.receive(JSON.stringify([3, h.sent[0]![1], { currentTime: NOW, status: 'Accepted' }]));
      await assert.rejects(
        call,
        (err: unknown) => err instanceof InvalidResponse && err.code === 'OccurrenceConstraintViolation' && /interval/.test(err.description),
      );
    });

    it('a malformed CALLRESULT for the pending id fails that call', async () => {
      const h = harness(version);
      const call = h.endpoint.call('Heartbeat', {});
      h.endpoint.receive(JSON.stringify([3, h.sent[0]![1]]));
      await assert.rejects(call, (err: unknown) => err instanceof InvalidResponse && err.code === 'RpcFrameworkError');
      assert.equal(h.sent.length, 1);
    });

    it('a malformed CALLERROR for the pending id fails that call', async () => {
      const h = harness(version);
      const call = h.endpoint.call('Heartbeat', {});
      h.endpoint.receive(JSON.stringify([4, h.sent[0]![1], 42]));
      await assert.rejects(call, InvalidResponse);
    });

    it('an invalid outgoing payload is not sent', async () => {
      const h = harness(version);
      await assert.rejects(
        h.endpoint.call('BootNotification', {}),
        (err: unknown) => err instanceof InvalidRequest && err.code === 'OccurrenceConstraintViolation',
      );
      await assert.rejects(h.endpoint.call('BrewCoffee', {}), (err: unknown) => err instanceof InvalidRequest && err.code === 'NotImplemented');
      const circular: Record<string, unknown> = {};
      circular['self'] = circular;
      await assert.rejects(h.endpoint.call('Heartbeat', circular), InvalidRequest);
      assert.deepEqual(h.raw, []);
      assert.equal(h.endpoint.pending.inFlight, undefined);
    });

    it('sends the payload as it was when call() was made', async () => {
      const h = harness(version);
      void h.endpoint.call('Heartbeat', {});
      const payload: Record<string, unknown> = { ...VALID[version].boot };
      void h.endpoint.call('BootNotification', payload);
      payload['bogus'] = true;
      h.endpoint.receive(JSON.stringify([3, h.sent[0]![1], { currentTime: NOW }]));
      await flush();
      assert.deepEqual(h.sent[1]![3], VALID[version].boot);
      h.endpoint.connectionLost();
    });

    it('connectionLost() rejects the call in flight and the queued ones; later calls fail at once', async () => {
      const h = harness(version);
      const inFlight = h.endpoint.call('Heartbeat', {});
      const queued = h.endpoint.call('Heartbeat', {});
      h.endpoint.connectionLost();
      await assert.rejects(inFlight, NotConnected);
      await assert.rejects(queued, NotConnected);
      await assert.rejects(h.endpoint.call('Heartbeat', {}), NotConnected);
      assert.equal(h.sent.length, 1);
      assert.deepEqual(h.endpoint.pending, { inFlight: undefined, queued: [], handling: [] });
    });

    it('a send that throws fails the call with NotConnected and lets the next one go', async () => {
      let fail = true;
      const raw: string[] = [];
      const endpoint = new RpcEndpoint({
        version,
        send: (t) => {
          if (fail) throw new Error('socket closed');
          raw.push(t);
        },
        callTimeoutMs: () => 1000,
      });
      const first = endpoint.call('Heartbeat', {});
      await assert.rejects(first, NotConnected);
      fail = false;
      const second = endpoint.call('Heartbeat', {});
      assert.equal(raw.length, 1);
      endpoint.receive(JSON.stringify([3, (JSON.parse(raw[0]!) as unknown[])[1], { currentTime: NOW }]));
      await second;
    });
  });
}
