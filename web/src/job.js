// A job's page: the node graph with each node's state live from the events, progress,
// elapsed time, cancel; when it succeeded, the viewers (loaded on demand: three.js and
// Spark are most of the app's bytes), the preview contact sheet, downloads (each file or
// all as a ZIP), and the curl and `atlas` commands that do the same.
import { api, authHeaders, curlCommand, fetchBlob } from './api.js';
import { atlasCommands } from './cli.js';
import { copyText, formatSeconds, h, saveBlob, toast } from './dom.js';
import { createGraph } from './graph.js';
import { extensionOf, formatBytes } from './validate.js';
import { followEvents } from './sse.js';

// The commands of the last submission from this tab, shown on its job's page.
export const lastSubmission = { jobId: null, commands: [], file: null };

let current = null; // { abort: AbortController, timer, graph, viewer, splatViewer }
const SPLAT_EXTENSIONS = ['ply', 'spz', 'splat', 'ksplat'];

export function stopJobView() {
  if (!current) return;
  current.abort.abort();
  clearInterval(current.timer);
  current.graph?.dispose();
  current.viewer?.dispose();
  current.splatViewer?.dispose();
  current = null;
}

const FINAL = ['succeeded', 'failed', 'cancelled'];

export async function showJob(root, jobId) {
  const graph = createGraph();
  const view = { abort: new AbortController(), timer: null, graph, viewer: null };
  current = view;
  const state = h('span', { class: 'state', id: 'job-state' });
  const bar = h('progress', { id: 'progress', max: 100, value: 0, 'aria-label': 'Progress' });
  const percent = h('span', { id: 'progress-text' }, '0 %');
  const elapsed = h('span', { id: 'elapsed' });
  const node = h('span', { id: 'current-node', class: 'hint' });
  const log = h('ol', { id: 'events', class: 'events', 'aria-live': 'off' });
  const cancel = h('button', { type: 'button', id: 'cancel', class: 'secondary', hidden: true }, 'Cancel job');
  const error = h('p', { class: 'error', role: 'alert', id: 'job-error' });
  const result = h('section', { id: 'result', 'aria-label': 'Result' });
  root.querySelector('h1').textContent = `Job ${jobId}`;
  // While the job runs the graph is right under its status; once it succeeded, the result
  // comes between them.
  root.append(
    h('div', { class: 'card' },
      h('p', { class: 'status-line' }, state, ' ', elapsed, ' ', node),
      h('div', { class: 'progress' }, bar, percent),
      cancel, error),
    result,
    h('section', { class: 'card', 'aria-labelledby': 'nodes-title' },
      h('h2', { id: 'nodes-title' }, 'Nodes'), graph.element,
      h('details', {}, h('summary', {}, 'Event log'), log)));
  api(`/v1/jobs/${jobId}/pipeline`, { signal: view.abort.signal })
    .then(({ nodes }) => graph.show(nodes))
    .catch((failure) => {
      if (!view.abort.signal.aborted) graph.element.replaceChildren(h('p', { class: 'hint' }, `The node graph is not available: ${failure.message}`));
    });

  let job;
  const render = () => {
    state.textContent = job.state;
    state.dataset.state = job.state;
    root.dataset.state = job.state;
    const progress = job.state === 'succeeded' ? 100 : job.progress;
    bar.value = progress;
    percent.textContent = `${progress} %`;
    node.textContent = job.current_node && !FINAL.includes(job.state) ? `· ${job.current_node}` : '';
    cancel.hidden = FINAL.includes(job.state);
    if (job.error) error.textContent = `${job.error.code}: ${job.error.message}`;
    const start = Date.parse(job.started_at || job.created_at);
    const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
    elapsed.textContent = `· ${formatSeconds((end - start) / 1000)}`;
  };
  const refresh = async () => {
    job = await api(`/v1/jobs/${jobId}`, { signal: view.abort.signal });
    render();
  };

  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      job = await api(`/v1/jobs/${jobId}`, { method: 'DELETE' });
      toast(job.state === 'cancelled' ? 'Cancelled' : 'Cancelling at the next step');
      render();
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      cancel.disabled = false;
    }
  });

  try {
    await refresh();
  } catch (failure) {
    error.textContent = failure.status === 404 ? 'No such job.' : failure.message;
    return;
  }
  view.timer = setInterval(() => job && !FINAL.includes(job.state) && render(), 1000);
  commandsSection(job).then((section) => view.abort.signal.aborted || root.append(section));

  // Events move the job on; its progress and state are read again (at most every 300 ms).
  let pending = null;
  const refreshSoon = () => {
    pending ??= setTimeout(() => { pending = null; refresh().catch(() => {}); }, 300);
  };
  let attempt = null;
  try {
    await followEvents(`/v1/jobs/${jobId}/events`, authHeaders(), (event) => {
      let data = {};
      try { data = JSON.parse(event.data); } catch { /* a malformed event is shown as text */ }
      if (event.type === 'node') {
        if (attempt !== null && data.attempt !== attempt) graph.restart();
        attempt = data.attempt;
        graph.update(data);
      }
      const text = event.type === 'node'
        ? `${data.node} ${data.state}${data.fraction !== undefined ? ` ${Math.round(data.fraction * 100)} %` : ''}${data.message ? ` — ${data.message}` : ''}`
        : `${event.type}: ${data.state ?? event.data}`;
      log.append(h('li', {}, text));
      while (log.children.length > 200) log.firstChild.remove();
      log.scrollTop = log.scrollHeight;
      refreshSoon();
    }, { signal: view.abort.signal });
  } catch (failure) {
    if (!view.abort.signal.aborted) error.textContent = `Lost the event stream: ${failure.message}`;
  }
  if (view.abort.signal.aborted) return;
  clearTimeout(pending);
  // The stream ended: the job is over (or very nearly: poll until it says so).
  for (let i = 0; i < 50 && !FINAL.includes(job.state) && !view.abort.signal.aborted; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    await refresh().catch(() => {});
  }
  if (view.abort.signal.aborted) return;
  graph.end(job.state);
  if (job.state === 'succeeded') showResult(result, job, view);
}

// An uploaded asset's description (its file name), asked once per page.
const assets = new Map();
function assetInfo(id) {
  if (!assets.has(id)) assets.set(id, api(`/v1/assets/${id}`).catch(() => null));
  return assets.get(id);
}

function commandBlock(id, title, text, note) {
  return h('details', { class: 'card' }, h('summary', {}, title),
    note ? h('p', { class: 'hint' }, note) : null,
    h('pre', { id }, text),
    h('button', { type: 'button', class: 'secondary', id: `copy-${id}`, onclick: () => copyText(text) }, `Copy ${title.replace(/^The same with (the )?/, '')} commands`));
}

// The curl commands (the upload and submission when this tab made them, then reading the
// job and its events) and the `atlas` CLI commands that do the same work locally.
async function commandsSection(job) {
  const curl = lastSubmission.jobId === job.id ? [...lastSubmission.commands] : [];
  curl.push(curlCommand('GET', `/v1/jobs/${job.id}`));
  curl.push(`curl -N -H "Authorization: Bearer $ATLAS_KEY" '${new URL(`/v1/jobs/${job.id}/events`, location.origin).href}'`);

  const files = {};
  for (const input of job.inputs || []) {
    const id = typeof input === 'string' ? input : input.image;
    const asset = id ? await assetInfo(id) : null;
    if (asset?.filename) files[id] = asset.filename;
  }
  const generated = (job.artifacts || []).find((a) => /^generated-\d+\./.test(a.name));
  const atlas = atlasCommands(job, { files, extension: generated ? extensionOf(generated.name) : 'spz' });
  const generates = (job.inputs || []).some((input) => typeof input !== 'string');
  return h('section', { id: 'commands', 'aria-label': 'Commands' },
    commandBlock('curl', 'The same with curl', curl.join('\n')),
    atlas.length ? commandBlock('atlas-cli', 'The same with the atlas CLI', atlas.join('\n'),
      `Runs on your machine${generates ? '; atlas generate needs a 404 key (ATLAS_404_API_KEY)' : ''}.`) : null);
}

// One download: the file fetched with the key into a blob: URL, saved under `name`.
function downloadButton(label, url, name, attributes = {}) {
  return h('button', { type: 'button', class: 'secondary', ...attributes, onclick: async (event) => {
    const button = event.currentTarget; // null once the handler has awaited
    button.disabled = true;
    try { saveBlob(await fetchBlob(url), name); } catch (failure) { toast(failure.message); }
    button.disabled = false;
  } }, label);
}

async function showResult(root, job, view) {
  const artifacts = job.artifacts || [];
  const glbs = artifacts.filter((a) => a.name.toLowerCase().endsWith('.glb'));
  const preview = artifacts.find((a) => a.name.toLowerCase().endsWith('.png'));
  const reports = artifacts.filter((a) => a.name.toLowerCase().endsWith('.json'));

  const downloads = h('ul', { class: 'artifacts', id: 'artifacts' },
    h('li', {}, downloadButton('Download all (ZIP)', `/v1/jobs/${job.id}/artifacts.zip`, `${job.id}.zip`, { id: 'download-zip' })),
    artifacts.map((artifact) => h('li', {},
      downloadButton(`Download ${artifact.name}`, artifact.url, artifact.name, { 'data-artifact': artifact.name }),
      h('span', { class: 'hint' }, ` ${formatBytes(artifact.size)}`))));
  root.append(h('h2', {}, 'Result'));
  const viewerBox = h('div', { class: 'viewer-box', id: 'viewer-box' });
  const splatBox = h('div', { class: 'viewer-box', id: 'splat-box' });
  if (glbs.length) root.append(h('div', { class: 'views' }, viewerBox, splatBox));
  root.append(h('h2', {}, 'Downloads'), downloads);
  if (preview) {
    const image = h('img', { id: 'preview', alt: 'Contact sheet: the source and each level from the same cameras', width: 1024 });
    root.append(h('h2', {}, 'Preview'), image);
    fetchBlob(preview.url).then((blob) => { image.src = URL.createObjectURL(blob); }).catch(() => {});
  }
  if (!glbs.length) return;

  const { levels, placement } = await readReports(reports);
  const { createViewer } = await import('./viewer.js');
  if (view.abort.signal.aborted) return;
  view.viewer = createViewer(viewerBox, glbs, levels);

  let source = null;
  try {
    source = await sourceSplats(job);
  } catch (failure) {
    splatBox.append(h('p', { class: 'hint' }, `Could not read the source splats: ${failure.message}`));
  }
  if (!source) {
    if (!splatBox.hasChildNodes()) splatBox.remove();
    return;
  }
  const { createSplatViewer } = await import('./splat.js');
  if (view.abort.signal.aborted) return;
  view.splatViewer = createSplatViewer(splatBox, source, view.viewer, placement);
}

// The splats the job started from, {bytes, name}, or null: 404's file for a generated
// input, else an uploaded splat file (from this tab's memory when it uploaded it, else
// GET /v1/assets/{id}/content).
async function sourceSplats(job) {
  const generated = (job.artifacts || []).find((a) => /^generated-\d+\.(ply|spz|splat|ksplat)$/i.test(a.name));
  if (generated) return { bytes: new Uint8Array(await (await fetchBlob(generated.url)).arrayBuffer()), name: generated.name };
  const assetId = (job.inputs || []).find((input) => typeof input === 'string');
  if (!assetId) return null;
  const uploaded = lastSubmission.jobId === job.id ? lastSubmission.file : null;
  if (uploaded && SPLAT_EXTENSIONS.includes(extensionOf(uploaded.name))) {
    return { bytes: new Uint8Array(await uploaded.arrayBuffer()), name: uploaded.name };
  }
  const asset = await assetInfo(assetId);
  if (!asset?.filename || !SPLAT_EXTENSIONS.includes(extensionOf(asset.filename))) return null;
  const blob = await fetchBlob(`/v1/assets/${assetId}/content`);
  return { bytes: new Uint8Array(await blob.arrayBuffer()), name: asset.filename };
}

// From the job's JSON reports: per-level figures ("lod0.iou": 0.93 ...) and the placement
// the pipeline gave the asset ({pivot: [x, y, z], scale}, as the game-ready report.json
// records it), whichever report has them.
async function readReports(reports) {
  const levels = {};
  let placement = null;
  const visit = (value) => {
    if (!value || typeof value !== 'object') return;
    const found = value.placement;
    if (!placement && Array.isArray(found?.pivot) && found.pivot.length === 3 && typeof found.scale === 'number') {
      placement = { pivot: found.pivot, scale: found.scale };
    }
    for (const [key, item] of Object.entries(value)) {
      const match = key.match(/^lod(\d+)\.(\w+)$/);
      if (match && typeof item === 'number') (levels[match[1]] ??= {})[match[2]] = item;
      else visit(item);
    }
  };
  for (const report of reports) {
    try { visit(JSON.parse(await (await fetchBlob(report.url)).text())); } catch { /* not a report */ }
  }
  return { levels, placement };
}
