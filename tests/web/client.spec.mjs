// The web app's modules that need no browser, under node: the server-sent-events client
// (web/src/sse.js) against a scripted fetch (the parser's corner cases, resuming with
// Last-Event-ID after the connection drops) and the checks before sending
// (web/src/validate.js, with the advanced overrides' values), the `atlas` CLI commands
// (web/src/cli.js) and the node graph's layers (web/src/graph.js). Run by tests/web/web_app_test.cpp: node tests/web/client.spec.mjs
import assert from 'node:assert/strict';
import { followEvents, parseEvents } from '../../web/src/sse.js';
import { checkFile, checkOverride, checkPrompt, MAX_UPLOAD_BYTES, sameValue } from '../../web/src/validate.js';
import { atlasCommands, generatedFileName, shellQuote } from '../../web/src/cli.js';
import { layers } from '../../web/src/graph.js';
import { execFileSync } from 'node:child_process';

// An override's value as typed, checked against the setting's type and range.
{
  const triangles = { name: 'triangles', type: 'integer', min: 100, max: 1000000 };
  assert.deepEqual(checkOverride(triangles, ' 5000 '), { value: 5000 });
  assert.match(checkOverride(triangles, '5000.5').error, /^triangles: "5000.5" is not a whole number/);
  assert.match(checkOverride(triangles, '').error, /not a whole number/);
  assert.match(checkOverride(triangles, '50').error, /out of range \(from 100 to 1000000\)/);
  const ratios = { name: 'lods.ratios', type: 'numbers', min: 0, max: 1 };
  assert.deepEqual(checkOverride(ratios, '1, 0.25,0.06'), { value: [1, 0.25, 0.06] });
  assert.match(checkOverride(ratios, '1, x').error, /"x" is not a number/);
  assert.match(checkOverride(ratios, '1, 2').error, /2 is out of range \(each from 0 to 1\)/);
  assert.match(checkOverride(ratios, ' ').error, /at least one number/);
  assert.deepEqual(checkOverride({ name: 'scale', type: 'number', min: 0 }, '1e-3'), { value: 0.001 });
  assert.match(checkOverride({ name: 'scale', type: 'number', min: 0 }, '-1').error, /at least 0/);
  assert.deepEqual(checkOverride({ name: 'w', type: 'bool' }, true), { value: true });
  const format = { name: 'textures.format', type: 'text', choices: ['png', 'jpeg'] };
  assert.deepEqual(checkOverride(format, 'jpeg'), { value: 'jpeg' });
  assert.match(checkOverride(format, 'gif').error, /not one of png, jpeg/);
  assert.ok(sameValue([1, 0.25], [1, 0.25]) && !sameValue([1, 0.25], [1, 0.5]) && !sameValue(1, [1]));
}

// The `atlas` commands: shell-safe, the generated file's name as `atlas generate` writes it.
{
  assert.equal(shellQuote('404-hamburger.ply'), '404-hamburger.ply');
  assert.equal(shellQuote("it's a chair"), "'it'\\''s a chair'");
  assert.equal(shellQuote('$(rm -rf ~)'), "'$(rm -rf ~)'");
  assert.equal(generatedFileName({ prompt: 'A Red  wooden chair!' }, 'spz'), 'a-red-wooden-chair.spz');
  assert.equal(generatedFileName({ prompt: '!!!' }, 'spz'), 'generation.spz');
  assert.equal(generatedFileName({ image: 'photos/My chair.png' }, 'spz'), 'My chair.spz');
  assert.deepEqual(atlasCommands({
    pipeline: 'game-ready', inputs: ['ast_1'],
    overrides: { triangles: 5000, 'lods.ratios': [1, 0.5], 'textures.format': 'jpeg', 'surface.watertight': true },
  }, { files: { ast_1: 'my burger.ply' } }), [
    "atlas run game-ready 'my burger.ply' -o out --set triangles=5000 --set lods.ratios=1,0.5 " +
      '--set textures.format=jpeg --set surface.watertight=true',
  ]);
  const prompt = atlasCommands({ pipeline: 'mobile', inputs: [{ prompt: "Bob's chair" }], overrides: {} });
  assert.deepEqual(prompt, ["atlas generate 'Bob'\\''s chair' -o gen", 'atlas run mobile gen/bob-s-chair.spz -o out']);
  // What the shell makes of the quoting: the prompt comes through whole.
  const words = execFileSync('bash', ['-c', `printf '%s\\n' ${prompt[0].slice('atlas '.length)}`]).toString().split('\n');
  assert.deepEqual(words.slice(0, 4), ['generate', "Bob's chair", '-o', 'gen']);
  assert.deepEqual(atlasCommands({ pipeline: 'inline', inputs: ['ast_1'] }), []);
}

// The node graph's rows: each node one below the deepest node it reads from.
{
  const rows = layers([
    { name: 'generate:source', after: [] }, { name: 'load', after: ['generate:source'] },
    { name: 'surface', after: ['load'] }, { name: 'placed_source', after: ['load', 'surface'] },
    { name: 'preview', after: ['surface', 'placed_source'] }, { name: 'other', after: ['source'] },
  ]);
  assert.deepEqual(rows.map((row) => row.map((node) => node.name)),
    [['generate:source', 'other'], ['load'], ['surface'], ['placed_source'], ['preview']]);
}

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
