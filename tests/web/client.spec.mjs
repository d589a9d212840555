// The web app's modules that need no browser, under node: the server-sent-events client
// (web/src/sse.js) against a scripted fetch (the parser's corner cases, resuming with
// Last-Event-ID after the connection drops) and the checks before sending
// (web/src/validate.js). Run by tests/web/web_app_test.cpp: node tests/web/client.spec.mjs
import assert from 'node:assert/strict';
import { followEvents, parseEvents } from '../../web/src/sse.js';
import { checkFile, checkPrompt, MAX_UPLOAD_BYTES } from '../../web/src/validate.js';

// What is explained before anything is sent.
{
  assert.equal(checkFile({ name: '404-hamburger.ply', size: 2952065 }).kind, 'model');
  assert.equal(checkFile({ name: 'Chair.GLB', size: 10 }).kind, 'model');
  assert.equal(checkFile({ name: 'photo.jpeg', size: 10 }).kind, 'image');
  assert.match(checkFile({ name: 'chair.fbx', size: 10 }).error, /not a file Atlas reads/);
  assert.match(checkFile({ name: 'README', size: 10 }).error, /not a file Atlas reads/);
  assert.match(checkFile({ name: 'empty.spz', size: 0 }).error, /is empty/);
  assert.match(checkFile({ name: 'huge.ply', size: MAX_UPLOAD_BYTES + 1 }).error, /limited to 512 MB/);
  assert.match(checkPrompt('   ').error, /Type what to generate/);
  assert.match(checkPrompt('x'.repeat(4097)).error, /at most 4096/);
  assert.equal(checkPrompt('  a red chair ').prompt, 'a red chair');
}

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

console.log('client.spec.mjs: 4 passed, 0 failed');
