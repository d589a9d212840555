// The web app's server-sent-events client (web/src/sse.js) under node, against a scripted
// fetch: the parser's corner cases, and resuming with Last-Event-ID after the
// connection drops. Run by tests/web/web_app_test.cpp: node tests/web/sse.spec.mjs
import assert from 'node:assert/strict';
import { followEvents, parseEvents } from '../../web/src/sse.js';

// The parser: fields, comments, CRLF, multi-line data, an event split across chunks.
{
  const events = [];
  let rest = parseEvents(': keep-alive\r\n\r\nid: 1\r\nevent: state\r\ndata: {"state":"queued"}\r\n\r\nid: 2\nevent: node\ndata: li', (e) => events.push(e));
  assert.equal(events.length, 1);
  assert.deepEqual(events[0], { id: '1', type: 'state', data: '{"state":"queued"}' });
  rest = parseEvents(rest + 'ne one\ndata: line two\n\n', (e) => events.push(e));
  assert.equal(rest, '');
  assert.deepEqual(events[1], { id: '2', type: 'node', data: 'line one\nline two' });
  parseEvents('data:no space\n\n', (e) => events.push(e));
  assert.equal(events[2].data, 'no space');
  assert.equal(events[2].type, 'message');
}

// Resuming: the first connection drops after two events, the second must ask for what
// came after the last one seen.
{
  const requests = [];
  const encoder = new TextEncoder();
  globalThis.fetch = async (url, init) => {
    requests.push({ url, headers: init.headers });
    const attempt = requests.length;
    const body = new ReadableStream({
      start(controller) {
        if (attempt === 1) {
          controller.enqueue(encoder.encode('id: 1\nevent: state\ndata: {"state":"running"}\n\nid: 2\nevent: node\ndata: {"node":"load"}\n\n'));
          controller.enqueue(encoder.encode('id: 3\nevent: no'));  // cut mid-event
          setTimeout(() => controller.error(new Error('connection reset')), 10);
        } else {
          controller.enqueue(encoder.encode('id: 3\nevent: state\ndata: {"state":"succeeded"}\n\n'));
          controller.close();
        }
      },
    });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  };
  const seen = [];
  await followEvents('/v1/jobs/job_1/events', { Authorization: 'Bearer k' }, (event) => seen.push(event.id));
  assert.deepEqual(seen, ['1', '2', '3']);
  assert.equal(requests.length, 2);
  assert.equal(requests[0].headers['Last-Event-ID'], undefined);
  assert.equal(requests[1].headers['Last-Event-ID'], '2');
  assert.equal(requests[1].headers.Authorization, 'Bearer k');
}

// A server that keeps failing is given up on, with the error.
{
  let calls = 0;
  globalThis.fetch = async () => {
    calls++;
    return new Response('no', { status: 500 });
  };
  await assert.rejects(followEvents('/x', {}, () => {}, { retries: 2 }), /HTTP 500/);
  assert.equal(calls, 3);
}

console.log('sse.spec.mjs: 3 passed, 0 failed');
