// The web app end to end: Chromium (headless, Debian's) driven by Playwright against a
// real `atlas serve` whose 404 gateway is a fake. Run by tests/web/web_app_test.cpp:
//   node tests/web/app.spec.mjs BASE_URL KEY1 KEY2 SCREENSHOT_DIR
// Environment: ATLAS_PLAYWRIGHT (playwright-core's index.mjs), ATLAS_CHROMIUM (the
// browser), ATLAS_HAMBURGER (the splat file to upload). Exit code 0 when every step passed.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync, inflateRawSync } from 'node:zlib';

// A ZIP file's entries, name -> bytes, read through its central directory (which has the
// sizes even when the local headers defer them to a data descriptor). Stored and deflated
// entries, no ZIP64: what the job's artifacts.zip holds.
function unzip(zip) {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'a ZIP end-of-central-directory record');
  const entries = new Map();
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'a central directory header');
    const method = zip.readUInt16LE(at + 10);
    const packedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const packed = zip.subarray(start, start + packedSize);
    assert.ok(method === 0 || method === 8, `${name}: stored or deflated, not method ${method}`);
    entries.set(name, method === 8 ? inflateRawSync(packed) : packed);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

// A small real PNG (a colour gradient) for the image-to-3D upload.
function gradientPng(size = 16) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const rows = [];
  for (let y = 0; y < size; y++) {
    rows.push(0); // no filter
    for (let x = 0; x < size; x++) rows.push(x * 16, y * 16, 128);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0))]);
}

const [base, key1, key2, shots] = process.argv.slice(2);
if (!base || !key1 || !key2 || !shots) {
  console.error('usage: app.spec.mjs BASE_URL KEY1 KEY2 SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const { chromium } = await import(process.env.ATLAS_PLAYWRIGHT || 'playwright-core');
const hamburger = process.env.ATLAS_HAMBURGER;
const LONG = 600_000; // a whole game-ready job on two shared cores

const consoleErrors = [];
let step = 'start';
const started = Date.now();
function log(message) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`);
}
function begin(name) {
  step = name;
  log(`step: ${name}`);
}

async function apiJson(path, key, init = {}) {
  const response = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${key}`, ...(init.headers || {}) } });
  return { status: response.status, json: await response.json().catch(() => null) };
}

const browser = await chromium.launch({
  executablePath: process.env.ATLAS_CHROMIUM || '/usr/bin/chromium',
  // WebGL on the CPU (SwiftShader): the test machines have no GPU. --no-sandbox: CI runs as root.
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
});

async function newPage(context, viewport = { width: 1280, height: 900 }) {
  const page = await context.newPage();
  // The suite runs beside other heavy tests on two cores: waits get room.
  page.setDefaultTimeout(90_000);
  await page.setViewportSize(viewport);
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${step}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${step}: ${error.message}`));
  return page;
}

async function signIn(page, key) {
  await page.goto(base + '/');
  await page.fill('#api-key', key);
  await page.press('#api-key', 'Enter');
  await page.waitForSelector('#new-job');
  await page.waitForFunction(() => document.querySelectorAll('#preset option').length > 0);
}

async function submitPrompt(page, prompt, preset) {
  await page.goto(base + '/');
  await page.waitForFunction(() => document.querySelectorAll('#preset option').length > 0);
  await page.fill('#prompt', prompt);
  await page.selectOption('#preset', preset);
  await page.click('#submit');
  await page.waitForURL(/\/jobs\/job_[0-9a-f]+$/);
  return page.url().split('/').pop();
}

const metrics = {};
let failed = false;
try {
  begin('static files: no key, SPA fallback, API not shadowed, gzip');
  {
    const index = await fetch(base + '/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /^text\/html/);
    const html = await index.text();
    const deep = await fetch(base + '/jobs/job_00ff');
    assert.equal(await deep.text(), html);
    assert.equal((await fetch(base + '/v1/jobs')).status, 401);
    assert.equal((await fetch(base + '/healthz')).status, 200);
    assert.match((await fetch(base + '/openapi.json')).headers.get('content-type'), /json/);
    const script = html.match(/src="([^"]+\.js)"/)[1];
    const packed = await fetch(base + script, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(packed.headers.get('content-encoding'), 'gzip');
    assert.match(packed.headers.get('content-type'), /javascript/);
    assert.match(packed.headers.get('cache-control'), /immutable/);
    const again = await fetch(base + script, { headers: { 'If-None-Match': packed.headers.get('etag'), 'Accept-Encoding': 'gzip' } });
    assert.equal(again.status, 304);
  }

  begin('first load: bytes and time to interactive');
  {
    const context = await browser.newContext();
    const times = [];
    let firstLoadBytes = 0;
    for (let i = 0; i < 5; i++) {
      const page = await newPage(context);
      const responses = [];
      page.on('response', (response) => responses.push(response));
      await page.goto(base + '/', { waitUntil: 'load' });
      await page.waitForSelector('#api-key');
      const mark = await page.waitForFunction(() => performance.getEntriesByName('atlas-interactive')[0]?.startTime);
      times.push(await mark.jsonValue());
      if (i === 0) {
        for (const response of responses) {
          const sizes = await response.request().sizes();
          firstLoadBytes += sizes.responseBodySize;
        }
        metrics.first_load_files = responses.map((r) => new URL(r.url()).pathname);
      }
      await page.close();
    }
    times.sort((a, b) => a - b);
    metrics.first_load_bytes_compressed = firstLoadBytes;
    metrics.time_to_interactive_ms_median = Math.round(times[2]);
    metrics.time_to_interactive_ms_all = times.map(Math.round);
    log(`first load ${firstLoadBytes} bytes compressed; interactive in ${metrics.time_to_interactive_ms_median} ms (median of 5)`);
    assert.ok(firstLoadBytes < 1.5 * 1024 * 1024, 'first load under 1.5 MB compressed');
    await context.close();
  }

  const context = await browser.newContext({ acceptDownloads: true });
  const page = await newPage(context);

  begin('sign in');
  await page.goto(base + '/');
  await page.screenshot({ path: join(shots, '01-sign-in.png') });
  await signIn(page, key1);
  assert.equal(await page.evaluate(() => location.href.includes('atl_') || location.search !== ''), false);
  await page.screenshot({ path: join(shots, '02-new-job.png') });

  begin('bad input is explained before sending');
  await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a model') });
  await page.waitForSelector('#job-error:has-text("not a file Atlas reads")');
  // Dropped on the drop zone, as from a file manager.
  const dropped = await page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['solid'], 'chair.fbx'));
    return transfer;
  });
  await page.dispatchEvent('#drop', 'drop', { dataTransfer: dropped });
  await page.waitForSelector('#job-error:has-text("chair.fbx")');
  await page.fill('#prompt', '');
  await page.click('#submit');
  await page.waitForSelector('#job-error:has-text("Type what to generate")');
  await page.fill('#prompt', 'x'.repeat(4097));
  await page.click('#submit');
  await page.waitForSelector('#job-error:has-text("at most 4096")');
  await page.screenshot({ path: join(shots, '03-bad-input.png') });
  assert.equal((await apiJson('/v1/jobs', key1)).json.jobs.length, 0, 'nothing was sent');

  begin('advanced: the preset\'s settings, a bad value explained before sending');
  await page.fill('#prompt', '');
  await page.setInputFiles('#file', hamburger);
  await page.waitForSelector('#file-name:has-text("404-hamburger.ply")');
  await page.selectOption('#preset', 'game-ready');
  const { json: gameReady } = await apiJson('/v1/presets/game-ready', key1);
  const trianglesSetting = gameReady.settings.find((setting) => setting.name === 'triangles');
  assert.ok(trianglesSetting && trianglesSetting.min > 0, JSON.stringify(gameReady.settings));
  await page.click('#advanced > summary');
  const trianglesField = page.locator('#advanced [data-override="triangles"]');
  assert.equal(await trianglesField.inputValue(), String(trianglesSetting.default));
  await page.click('#all-parameters > summary');
  assert.equal(await page.locator('#all-parameters [data-override]').count(), gameReady.parameters.length);
  await page.click('#all-parameters > summary');
  await trianglesField.fill(String(trianglesSetting.min - 1));
  await page.click('#submit');
  await page.waitForSelector('#job-error:has-text("Advanced: triangles:")');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.override), 'triangles', 'the bad field has the focus');
  assert.equal((await apiJson('/v1/jobs', key1)).json.jobs.length, 0, 'nothing was sent');
  await trianglesField.fill('5000');
  await page.locator('#new-job').screenshot({ path: join(shots, 'web-advanced.png') });

  begin('upload the splats with game-ready and triangles lowered to 5000');
  await page.click('#submit');
  await page.waitForURL(/\/jobs\/job_[0-9a-f]+$/);
  const burgerJob = page.url().split('/').pop();
  log(`job ${burgerJob}`);
  assert.deepEqual((await apiJson(`/v1/jobs/${burgerJob}`, key1)).json.overrides, { triangles: 5000 });
  await page.waitForSelector('#graph .node[data-state="running"], #graph .node[data-state="finished"]');
  await page.screenshot({ path: join(shots, '04-running.png') });

  begin('a picture for image-to-3D, cancelled while queued (one worker: it waits behind the first)');
  const other = await newPage(context);
  await signIn(other, key1);
  await other.setInputFiles('#file', { name: 'chair.png', mimeType: 'image/png', buffer: gradientPng() });
  await other.waitForSelector('#file-name:has-text("picture for image-to-3D")');
  await other.selectOption('#preset', 'mobile');
  await other.click('#submit');
  await other.waitForURL(/\/jobs\/job_[0-9a-f]+$/);
  const cancelledJob = other.url().split('/').pop();
  await other.waitForSelector('#cancel:visible');
  await other.click('#cancel');
  await other.waitForSelector('main[data-state="cancelled"]');
  const { json: pictureJob } = await apiJson(`/v1/jobs/${cancelledJob}`, key1);
  assert.match(pictureJob.inputs[0].image, /^ast_/, JSON.stringify(pictureJob.inputs));
  assert.match(await other.textContent('#curl'), /filename=chair\.png[\s\S]*"image":"ast_/);

  begin('a prompt job through the fake 404 gateway (queued behind the first)');
  const promptJob = await submitPrompt(other, 'a hamburger', 'mobile');

  begin('progress reaches 100 %');
  await page.waitForSelector('main[data-state="succeeded"], main[data-state="failed"]', { timeout: LONG });
  assert.equal(await page.getAttribute('main', 'data-state'), 'succeeded', await page.textContent('#job-error'));
  assert.equal(await page.$eval('#progress', (bar) => bar.value), 100);
  assert.equal(await page.textContent('#progress-text'), '100 %');
  assert.match(await page.textContent('#elapsed'), /\d+ (s|min)/);

  begin('the node graph: every node of the pipeline finished');
  const { json: burgerPipeline } = await apiJson(`/v1/jobs/${burgerJob}/pipeline`, key1);
  const graphStates = await page.$$eval('#graph .node', (nodes) => nodes.map((node) => [node.dataset.node, node.dataset.state]));
  assert.deepEqual(graphStates.map(([name]) => name).sort(), burgerPipeline.nodes.map((node) => node.name).sort());
  for (const [name, state] of graphStates) assert.ok(['finished', 'cached'].includes(state), `${name} is ${state}`);
  assert.match(await page.textContent('#graph .node[data-node="surface"] .node-state'), /^(finished|cached)$/, 'the state is said in words');
  await page.locator('#graph').screenshot({ path: join(shots, 'web-graph.png') });

  begin('the viewer shows the mesh');
  await page.waitForSelector('#viewer-box[data-loaded$=".glb"]', { timeout: 120_000 });
  await page.waitForTimeout(300);
  const pixels = (target = page, id = 'viewer') => target.evaluate((canvasId) => {
    const source = document.getElementById(canvasId);
    const copy = document.createElement('canvas');
    copy.width = source.width;
    copy.height = source.height;
    const context2d = copy.getContext('2d');
    context2d.drawImage(source, 0, 0);
    const data = context2d.getImageData(0, 0, copy.width, copy.height).data;
    let sum = 0, sumSquares = 0, object = 0;
    for (let i = 0; i < data.length; i += 4) {
      const luminance = 0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2];
      sum += luminance;
      sumSquares += luminance * luminance;
      // The background is #20242c.
      if (Math.abs(data[i] - 0x20) + Math.abs(data[i + 1] - 0x24) + Math.abs(data[i + 2] - 0x2c) > 24) object++;
    }
    const n = data.length / 4;
    return { variance: sumSquares / n - (sum / n) ** 2, objectShare: object / n };
  }, id);
  // The canvas once something is on it (Spark shows splats a few frames after loading).
  const drawn = async (target, id) => {
    let seen = await pixels(target, id);
    for (let i = 0; i < 40 && seen.objectShare <= 0.02; i++) {
      await target.waitForTimeout(250);
      seen = await pixels(target, id);
    }
    return seen;
  };
  // The canvas at 160 x 120, to compare two moments of one view.
  const snapshot = (target, id) => target.evaluate((canvasId) => {
    const copy = document.createElement('canvas');
    copy.width = 160;
    copy.height = 120;
    copy.getContext('2d').drawImage(document.getElementById(canvasId), 0, 0, 160, 120);
    return Array.from(copy.getContext('2d').getImageData(0, 0, 160, 120).data);
  }, id);
  const changedShare = (before, after) => {
    let changedPixels = 0;
    for (let i = 0; i < before.length; i += 4) {
      if (Math.abs(before[i] - after[i]) + Math.abs(before[i + 1] - after[i + 1]) + Math.abs(before[i + 2] - after[i + 2]) > 24) changedPixels++;
    }
    return changedPixels / (before.length / 4);
  };
  const lod0 = await pixels();
  log(`canvas: variance ${lod0.variance.toFixed(1)}, object pixels ${(lod0.objectShare * 100).toFixed(1)} %`);
  assert.ok(lod0.objectShare > 0.02, 'the model covers part of the view');
  assert.ok(lod0.variance > 20, 'the view is not blank');
  await page.waitForSelector('#splat-box[data-loaded="404-hamburger.ply"]', { timeout: 120_000 });
  const splatView = await drawn(page, 'splat-viewer');
  log(`splat canvas: variance ${splatView.variance.toFixed(1)}, object pixels ${(splatView.objectShare * 100).toFixed(1)} %`);
  assert.ok(splatView.objectShare > 0.02 && splatView.variance > 20, 'the source splats are drawn beside the mesh');
  await page.locator('#result').screenshot({ path: join(shots, '05-viewer.png') });
  await page.screenshot({ path: join(shots, '06-result-page.png'), fullPage: true });
  // The figure of docs/web.md and the README: the job, the viewer and the downloads.
  await page.screenshot({ path: join(shots, 'web-result.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1240 } });

  begin('switch LODs');
  const info0 = await page.textContent('#lod-info');
  const levels = await page.$$eval('#lod option', (options) => options.map((o) => o.textContent));
  assert.ok(levels.length >= 3, `levels: ${levels}`);
  const triangleCounts = [];
  for (let i = 0; i < levels.length; i++) {
    await page.selectOption('#lod', String(i));
    await page.waitForSelector(`#viewer-box[data-loaded$="_lod${i}.glb"]`, { timeout: 60_000 });
    const text = await page.textContent('#lod-info');
    triangleCounts.push(Number(text.match(/([\d,]+) triangles/)[1].replace(/,/g, '')));
  }
  log(`LOD triangles ${triangleCounts.join(' > ')}; ${info0}`);
  assert.ok(triangleCounts[0] <= 5000, `LOD0 keeps the overridden budget: ${triangleCounts[0]}`);
  for (let i = 1; i < triangleCounts.length; i++) assert.ok(triangleCounts[i] < triangleCounts[i - 1]);
  assert.ok((await pixels()).objectShare > 0.02, 'the coarsest level is drawn too');
  await page.check('#wireframe');
  await page.click('#reset-view');
  await page.locator('#result').screenshot({ path: join(shots, '07-wireframe.png') });
  await page.uncheck('#wireframe');
  await page.check('#texture');
  await page.waitForSelector('#texture-view:visible');
  // The coarsest level's UV layout is drawn over the shared atlas, every triangle of it.
  assert.equal(Number(await page.getAttribute('#texture-view', 'data-uv-triangles')), triangleCounts.at(-1));
  await page.locator('#texture-view').screenshot({ path: join(shots, 'web-uv.png') });
  await page.uncheck('#texture');

  begin('download the GLB: the same bytes the API serves');
  const { json: burger } = await apiJson(`/v1/jobs/${burgerJob}`, key1);
  const glb = burger.artifacts.find((a) => a.name.endsWith('.glb') && !/_lod\d+\.glb$/.test(a.name));
  assert.ok(glb, JSON.stringify(burger.artifacts));
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`button[data-artifact="${glb.name}"]`)]);
  assert.equal(download.suggestedFilename(), glb.name);
  const downloaded = readFileSync(await download.path());
  const served = Buffer.from(await (await fetch(base + glb.url, { headers: { Authorization: `Bearer ${key1}` } })).arrayBuffer());
  assert.equal(downloaded.length, glb.size);
  assert.ok(downloaded.equals(served), 'downloaded bytes equal the artifact');
  assert.match(await page.textContent('#curl'), /curl .*\/v1\/assets\?filename=404-hamburger\.ply/);
  assert.match(await page.textContent('#curl'), /"overrides":\{"triangles":5000\}/);
  assert.doesNotMatch(await page.textContent('#curl'), new RegExp(key1));

  begin('download all as a ZIP: every artifact, the same bytes');
  const [zipDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-zip')]);
  assert.equal(zipDownload.suggestedFilename(), `${burgerJob}.zip`);
  const entries = unzip(readFileSync(await zipDownload.path()));
  assert.deepEqual([...entries.keys()].sort(), burger.artifacts.map((a) => a.name).sort());
  assert.ok(entries.get(glb.name).equals(served), 'the ZIP\'s GLB is the artifact\'s bytes');

  begin('the atlas CLI commands');
  const cli = await page.textContent('#atlas-cli');
  log(`atlas: ${cli}`);
  writeFileSync(join(shots, 'atlas-cli.txt'), cli); // web_app_test.cpp has the CLI load it
  assert.match(cli, /^atlas run game-ready 404-hamburger\.ply -o out --set triangles=5000$/);

  begin('after a reload: the source splats come from the API, the views share one camera');
  await page.reload();
  await page.waitForSelector('#viewer-box[data-loaded$=".glb"]', { timeout: 120_000 });
  await page.waitForSelector('#splat-box[data-loaded="404-hamburger.ply"]', { timeout: 120_000 });
  log('reloaded: mesh and splats loaded');
  assert.ok((await drawn(page, 'splat-viewer')).objectShare > 0.02, 'the uploaded splats are drawn after a reload');
  log('reloaded: the splats are drawn');
  await page.waitForTimeout(1600); // Spark's redraws after loading are over
  await page.locator('#viewer').scrollIntoViewIfNeeded();
  const splatBefore = await snapshot(page, 'splat-viewer');
  const meshBefore = await snapshot(page, 'viewer');
  const meshCanvas = await page.locator('#viewer').boundingBox();
  await page.mouse.move(meshCanvas.x + meshCanvas.width / 2, meshCanvas.y + meshCanvas.height / 2);
  await page.mouse.down();
  await page.mouse.move(meshCanvas.x + meshCanvas.width / 2 + 120, meshCanvas.y + meshCanvas.height / 2 + 30, { steps: 3 });
  await page.mouse.up();
  log('dragged');
  await page.waitForTimeout(1600);
  const changed = changedShare(splatBefore, await snapshot(page, 'splat-viewer'));
  const meshChanged = changedShare(meshBefore, await snapshot(page, 'viewer'));
  log(`orbiting the mesh view changed ${(meshChanged * 100).toFixed(1)} % of it and ${(changed * 100).toFixed(1)} % of the splat view`);
  assert.ok(meshChanged > 0.02, 'the drag orbits the mesh view');
  assert.ok(changed > 0.02, 'orbiting the mesh view moves the splat view');

  begin('the prompt job succeeds');
  await other.waitForSelector('main[data-state="succeeded"], main[data-state="failed"]', { timeout: LONG });
  assert.equal(await other.getAttribute('main', 'data-state'), 'succeeded', await other.textContent('#job-error'));
  assert.equal(await other.getAttribute('#graph .node[data-node^="generate:"]', 'data-state'), 'finished', 'the generation is a node of the graph');
  // The mobile preset's meshopt-compressed GLB is shown, and 404's splats (the
  // generated-0 artifact) beside it.
  await other.waitForSelector('#viewer-box[data-loaded$=".glb"]', { timeout: 120_000 });
  await other.waitForSelector('#splat-box[data-loaded^="generated-0."]', { timeout: 120_000 }).catch(async (error) => {
    throw new Error(`${error.message}\nsplat view says: ${await other.textContent('#splat-box').catch(() => 'nothing')}`);
  });
  assert.ok((await drawn(other, 'splat-viewer')).objectShare > 0.02, 'the generated splats are drawn');

  begin('jobs list and state filter');
  await page.click('nav a[href="/jobs"]');
  await page.waitForSelector('main[data-loaded="true"]');
  const listed = await page.$$eval('#jobs tbody a', (links) => links.map((a) => a.textContent));
  assert.deepEqual(new Set(listed), new Set([burgerJob, cancelledJob, promptJob]));
  assert.ok(await page.isVisible('#jobs td.input:has-text("a hamburger")'), 'the prompt is shown');
  await page.selectOption('#state-filter', 'cancelled');
  await page.waitForFunction((id) => [...document.querySelectorAll('#jobs tbody a')].map((a) => a.textContent).join() === id, cancelledJob);
  await page.selectOption('#state-filter', '');
  await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 3);
  await page.screenshot({ path: join(shots, '08-jobs.png') });

  begin('usage, with 404\'s part on its own');
  await page.click('nav a[href="/usage"]');
  await page.waitForSelector('#usage-404');
  assert.match(await page.textContent('#usage-404'), /powered by 404/);
  assert.ok(await page.isVisible(`#usage-404 a[href="/jobs/${promptJob}"]`), 'the prompt job\'s generation is itemised');
  assert.ok(await page.isVisible('#usage-days'));
  await page.screenshot({ path: join(shots, '09-usage.png'), fullPage: true });

  begin('phone width');
  const phone = await newPage(context, { width: 390, height: 844 });
  await signIn(phone, key1);
  await phone.click('#advanced > summary');
  await phone.click('#all-parameters > summary');
  const formOverflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(formOverflow <= 0, `the advanced settings fit the phone's width (${formOverflow} px over)`);
  await phone.goto(`${base}/jobs/${burgerJob}`);
  await phone.waitForSelector('#viewer-box[data-loaded$=".glb"]', { timeout: 120_000 });
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at phone width (${overflow} px over)`);
  await phone.screenshot({ path: join(shots, '10-phone.png'), fullPage: true });
  await phone.screenshot({ path: join(shots, 'web-phone.png'), fullPage: true, clip: { x: 0, y: 0, width: 390, height: 1000 } });

  begin('keyboard: sign out and in again without the mouse');
  await page.click('#sign-out');
  await page.waitForSelector('#api-key');
  await page.keyboard.type(key1); // the key field has the focus
  await page.keyboard.press('Enter');
  await page.waitForSelector('#new-job');
  await page.keyboard.press('Tab');
  assert.notEqual(await page.evaluate(() => document.activeElement.tagName), 'BODY');

  begin('a second tenant sees none of the first tenant\'s jobs');
  const context2 = await browser.newContext();
  const stranger = await newPage(context2);
  await signIn(stranger, key2);
  await stranger.click('nav a[href="/jobs"]');
  await stranger.waitForSelector('main[data-loaded="true"]');
  assert.equal(await stranger.$$eval('#jobs tbody tr', (rows) => rows.length), 0);
  assert.ok(await stranger.isVisible('#no-jobs'));
  assert.equal((await apiJson(`/v1/jobs/${burgerJob}`, key2)).status, 404);
  assert.equal((await apiJson(`/v1/jobs/${burgerJob}/artifacts/${glb.name}`, key2)).status, 404);

  begin('the jobs list pages (20 a page, then More)');
  for (let i = 0; i < 21; i++) {
    const { status, json } = await apiJson('/v1/jobs', key2, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ pipeline: 'mobile', inputs: [{ prompt: `chair ${i}` }] }),
    });
    assert.equal(status, 202);
    await apiJson(`/v1/jobs/${json.id}`, key2, { method: 'DELETE' });
  }
  await stranger.reload();
  await stranger.waitForSelector('main[data-loaded="true"]');
  await stranger.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 20);
  await stranger.click('#more-jobs');
  await stranger.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 21);
  assert.ok(await stranger.isHidden('#more-jobs'));
  await context2.close();

  begin('no console errors');
  assert.deepEqual(consoleErrors, []);
} catch (error) {
  failed = true;
  console.error(`FAILED at step "${step}": ${error.stack || error}`);
  if (consoleErrors.length) console.error(`console errors:\n${consoleErrors.join('\n')}`);
} finally {
  writeFileSync(join(shots, 'metrics.json'), JSON.stringify(metrics, null, 2));
  log(`metrics: ${JSON.stringify(metrics)}`);
  await browser.close();
}
process.exit(failed ? 1 : 0);
