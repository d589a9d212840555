// The app's shell: sign-in, navigation between the pages (history API; `atlas serve`
// answers every non-API path with index.html) and the new-job page.
import './style.css';
import { api, ApiError, curlCommand, session } from './api.js';
import { h } from './dom.js';
import { checkFile, checkPrompt, formatBytes } from './validate.js';
import { lastSubmission, showJob, stopJobView } from './job.js';
import { createOverrides } from './overrides.js';
import { showJobs, showUsage } from './lists.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');

export function navigate(path) {
  history.pushState(null, '', path);
  route();
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-link]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
});
window.addEventListener('popstate', () => route());
document.getElementById('sign-out').addEventListener('click', () => {
  session.key = '';
  navigate('/');
});

function page(title, ...children) {
  stopJobView();
  document.title = `${title} · Atlas`;
  main.replaceChildren(h('h1', {}, title), ...children);
  for (const link of nav.querySelectorAll('a')) {
    link.toggleAttribute('aria-current', link.getAttribute('href') === location.pathname);
  }
  return main;
}

async function route() {
  const path = location.pathname;
  nav.hidden = !session.key;
  if (!session.key) return showSignIn();
  const job = path.match(/^\/jobs\/(job_[0-9a-f]+)$/);
  if (job) return showJob(page('Job'), job[1]);
  if (path === '/jobs') return showJobs(page('Jobs'));
  if (path === '/usage') return showUsage(page('Usage'));
  return showNewJob();
}

function showSignIn() {
  const error = h('p', { class: 'error', role: 'alert', id: 'sign-in-error' });
  const input = h('input', { id: 'api-key', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'sign-in-error' });
  const form = h('form', { class: 'card narrow', id: 'sign-in' },
    h('label', { for: 'api-key' }, 'API key'), input,
    h('p', { class: 'hint' }, 'Made with ', h('code', {}, 'atlas keys create --tenant NAME'), '. Kept in this tab only (sessionStorage).'),
    h('button', { type: 'submit' }, 'Sign in'), error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      await api('/v1/presets', { key: input.value.trim() });
      session.key = input.value.trim();
      route();
    } catch (failure) {
      error.textContent = failure instanceof ApiError && failure.status === 401
        ? 'That key is not valid.' : `Could not sign in: ${failure.message}`;
    }
  });
  page('Sign in', form);
  input.focus();
}

async function showNewJob() {
  const root = page('New job');
  const error = h('p', { class: 'error', role: 'alert', id: 'job-error' });
  const status = h('p', { class: 'hint', id: 'job-status', 'aria-live': 'polite' });
  const presetSelect = h('select', { id: 'preset' });
  const prompt = h('textarea', { id: 'prompt', rows: 2, maxlength: 5000, placeholder: 'a red wooden chair' });
  const fileInput = h('input', { id: 'file', type: 'file', class: 'visually-hidden' });
  const fileName = h('span', { id: 'file-name' }, 'No file chosen');
  let chosen = null;

  const choose = (file) => {
    error.textContent = '';
    const checked = checkFile(file);
    if (checked.error) {
      chosen = null;
      fileName.textContent = 'No file chosen';
      error.textContent = checked.error;
      return;
    }
    chosen = file;
    fileName.textContent = `${file.name} (${formatBytes(file.size)}, ${checked.kind === 'image' ? 'picture for image-to-3D' : 'splats or mesh'})`;
    prompt.value = '';
  };
  fileInput.addEventListener('change', () => fileInput.files[0] && choose(fileInput.files[0]));
  const drop = h('div', { class: 'drop', id: 'drop' },
    h('p', {}, 'Drop a splat, mesh or picture here, or'),
    h('label', { for: 'file', class: 'button secondary', tabindex: 0, onkeydown: (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileInput.click(); }
    } }, 'Choose a file'),
    fileInput, h('p', {}, fileName));
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    if (event.dataTransfer.files[0]) choose(event.dataTransfer.files[0]);
  });
  prompt.addEventListener('input', () => {
    if (prompt.value && chosen) { chosen = null; fileInput.value = ''; fileName.textContent = 'No file chosen'; }
  });

  const submit = h('button', { type: 'submit', id: 'submit' }, 'Start job');
  const advanced = createOverrides();
  // novalidate: the app explains a bad value itself (the browser's bubble would stop the
  // submission before the app sees it, and says less).
  const form = h('form', { class: 'card', id: 'new-job', novalidate: true },
    h('label', { for: 'prompt' }, 'Prompt (text to 3D, generated by 404)'), prompt,
    h('p', { class: 'or' }, 'or'), drop,
    h('label', { for: 'preset' }, 'Preset'), presetSelect,
    h('p', { class: 'hint', id: 'preset-description' }),
    h('details', { id: 'advanced' }, h('summary', {}, 'Advanced: the preset\'s settings'), advanced.element),
    submit, status, error);
  root.append(form);
  // The explanation of a bad setting goes once the person has changed the settings.
  const clearAdvancedError = () => error.textContent.startsWith('Advanced:') && (error.textContent = '');
  advanced.element.addEventListener('input', clearAdvancedError);
  advanced.element.addEventListener('change', clearAdvancedError);

  try {
    const { presets } = await api('/v1/presets');
    for (const preset of presets) presetSelect.append(h('option', { value: preset.name }, preset.name));
    presetSelect.value = presets.some((p) => p.name === 'game-ready') ? 'game-ready' : presets[0]?.name;
    const describe = () => {
      const preset = presets.find((p) => p.name === presetSelect.value);
      root.querySelector('#preset-description').textContent = preset ? preset.description : '';
    };
    presetSelect.addEventListener('change', () => { describe(); advanced.load(presetSelect.value); });
    describe();
    advanced.load(presetSelect.value);
  } catch (failure) {
    error.textContent = `Could not list the presets: ${failure.message}`;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    let input;
    const commands = [];
    const pipeline = presetSelect.value;
    const { overrides, errors } = advanced.collect();
    if (errors) {
      // Shown where the field is: its sections open, the focus on the first bad value.
      error.textContent = `Advanced: ${errors.join('; ')}`;
      const invalid = form.querySelector('[aria-invalid]');
      for (let section = invalid?.closest('details'); section; section = section.parentElement.closest('details')) section.open = true;
      invalid?.focus();
      return;
    }
    submit.disabled = true;
    try {
      if (chosen) {
        const checked = checkFile(chosen);
        if (checked.error) throw new Error(checked.error);
        const path = `/v1/assets?filename=${encodeURIComponent(chosen.name)}`;
        status.textContent = `Uploading ${chosen.name}…`;
        const asset = await api(path, { method: 'POST', body: chosen, headers: { 'Content-Type': 'application/octet-stream' } });
        commands.push(curlCommand('POST', path, { file: chosen.name }));
        input = checked.kind === 'image' ? { image: asset.id } : asset.id;
      } else {
        const checked = checkPrompt(prompt.value);
        if (checked.error) throw new Error(checked.error);
        input = { prompt: checked.prompt };
      }
      const body = { pipeline, inputs: [input] };
      if (Object.keys(overrides).length) body.overrides = overrides;
      status.textContent = 'Submitting…';
      const job = await api('/v1/jobs', { method: 'POST', body });
      commands.push(curlCommand('POST', '/v1/jobs', { json: body }));
      lastSubmission.jobId = job.id;
      lastSubmission.commands = commands;
      lastSubmission.file = chosen;
      navigate(`/jobs/${job.id}`);
    } catch (failure) {
      error.textContent = failure.message;
      status.textContent = '';
      submit.disabled = false;
    }
  });
}

// The first page is on screen and takes input: what the tests time as interactive.
route().finally(() => performance.mark('atlas-interactive'));
