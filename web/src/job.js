// A job's page: live node events, progress, elapsed time, cancel; when it succeeded, the
// viewer (loaded on demand: three.js is most of the app's bytes), the preview contact
// sheet, downloads and the curl commands.
import { api, authHeaders, curlCommand, fetchBlob } from './api.js';
import { copyText, formatSeconds, formatTime, h, saveBlob, toast } from './dom.js';
import { extensionOf, formatBytes } from './validate.js';
import { followEvents } from './sse.js';

// The commands of the last submission from this tab, shown on its job's page.
export const lastSubmission = { jobId: null, commands: [], file: null };

let current = null; // { abort: AbortController, timer, viewer, splatViewer }
const SPLAT_EXTENSIONS = ['ply', 'spz', 'splat', 'ksplat'];

export function stopJobView() {
  if (!current) return;
  current.abort.abort();
  clearInterval(current.timer);
  current.viewer?.dispose();
  current.splatViewer?.dispose();
  current = null;
}

const FINAL = ['succeeded', 'failed', 'cancelled'];

export async function showJob(root, jobId) {
  const view = { abort: new AbortController(), timer: null, viewer: null };
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
  root.append(
    h('div', { class: 'card' },
      h('p', { class: 'status-line' }, state, ' ', elapsed, ' ', node),
      h('div', { class: 'progress' }, bar, percent),
      cancel, error,
      h('details', { open: true }, h('summary', {}, 'Events'), log)),
    result,
    curlSection(jobId));

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

  // Events move the job on; its progress and state are read again (at most every 300 ms).
  let pending = null;
  const refreshSoon = () => {
    pending ??= setTimeout(() => { pending = null; refresh().catch(() => {}); }, 300);
  };
  try {
    await followEvents(`/v1/jobs/${jobId}/events`, authHeaders(), (event) => {
      let data = {};
      try { data = JSON.parse(event.data); } catch { /* a malformed event is shown as text */ }
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
  if (job.state === 'succeeded' && !view.abort.signal.aborted) showResult(result, job, view);
}

function curlSection(jobId) {
  const commands = lastSubmission.jobId === jobId ? [...lastSubmission.commands] : [];
  commands.push(curlCommand('GET', `/v1/jobs/${jobId}`));
  commands.push(`curl -N -H "Authorization: Bearer $ATLAS_KEY" '${new URL(`/v1/jobs/${jobId}/events`, location.origin).href}'`);
  const text = commands.join('\n');
  return h('details', { class: 'card' }, h('summary', {}, 'The same with curl'),
    h('pre', { id: 'curl' }, text),
    h('button', { type: 'button', class: 'secondary', id: 'copy-curl', onclick: () => copyText(text) }, 'Copy curl commands'));
}

async function showResult(root, job, view) {
  const artifacts = job.artifacts || [];
  const glbs = artifacts.filter((a) => a.name.toLowerCase().endsWith('.glb'));
  const preview = artifacts.find((a) => a.name.toLowerCase().endsWith('.png'));
  const reports = artifacts.filter((a) => a.name.toLowerCase().endsWith('.json'));

  const downloads = h('ul', { class: 'artifacts', id: 'artifacts' }, artifacts.map((artifact) =>
    h('li', {},
      h('button', { type: 'button', class: 'secondary', 'data-artifact': artifact.name, onclick: async (event) => {
        const button = event.currentTarget; // null once the handler has awaited
        button.disabled = true;
        try { saveBlob(await fetchBlob(artifact.url), artifact.name); } catch (failure) { toast(failure.message); }
        button.disabled = false;
      } }, `Download ${artifact.name}`),
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

  const metrics = await lodMetrics(reports);
  const { createViewer } = await import('./viewer.js');
  if (view.abort.signal.aborted) return;
  view.viewer = createViewer(viewerBox, glbs, metrics);

  // The source splats beside it: 404's file for a generated input, or the file this tab
  // uploaded (the API does not serve uploads back).
  const generated = artifacts.find((a) => /^generated-\d+\.(ply|spz|splat|ksplat)$/i.test(a.name));
  const uploaded = lastSubmission.jobId === job.id ? lastSubmission.file : null;
  let source = null;
  try {
    if (generated) source = { bytes: new Uint8Array(await (await fetchBlob(generated.url)).arrayBuffer()), name: generated.name };
    else if (uploaded && SPLAT_EXTENSIONS.includes(extensionOf(uploaded.name))) {
      source = { bytes: new Uint8Array(await uploaded.arrayBuffer()), name: uploaded.name };
    }
  } catch (failure) {
    splatBox.append(h('p', { class: 'hint' }, `Could not read the source splats: ${failure.message}`));
  }
  if (!source) {
    splatBox.remove();
    return;
  }
  const { createSplatViewer } = await import('./splat.js');
  if (view.abort.signal.aborted) return;
  view.splatViewer = createSplatViewer(splatBox, source);
}

// Per-level figures from the reports ("lod0.iou": 0.93 ...), whichever report has them.
async function lodMetrics(reports) {
  const levels = {};
  const visit = (value) => {
    if (!value || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value)) {
      const match = key.match(/^lod(\d+)\.(\w+)$/);
      if (match && typeof item === 'number') (levels[match[1]] ??= {})[match[2]] = item;
      else visit(item);
    }
  };
  for (const report of reports) {
    try { visit(JSON.parse(await (await fetchBlob(report.url)).text())); } catch { /* not a report */ }
  }
  return levels;
}
