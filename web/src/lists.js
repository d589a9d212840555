// The jobs list (paged, filtered by state) and the usage page.
import { api } from './api.js';
import { formatTime, h } from './dom.js';

const STATES = ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled'];

// "a red chair" for a prompt, "picture ast_…" for image-to-3D, the asset id for a file.
function describeInputs(inputs = []) {
  return inputs.map((input) => {
    if (typeof input === 'string') return input;
    if (input.prompt) return `“${input.prompt.length > 40 ? input.prompt.slice(0, 39) + '…' : input.prompt}”`;
    return input.image ? `picture ${input.image}` : '';
  }).join(', ');
}

export async function showJobs(root) {
  const filter = h('select', { id: 'state-filter' }, STATES.map((state) => h('option', { value: state }, state || 'all')));
  const body = h('tbody', {});
  const more = h('button', { type: 'button', class: 'secondary', id: 'more-jobs', hidden: true }, 'More');
  const error = h('p', { class: 'error', role: 'alert' });
  const empty = h('p', { class: 'hint', id: 'no-jobs', hidden: true }, 'No jobs yet.');
  root.append(
    h('p', {}, h('label', { for: 'state-filter' }, 'State '), filter),
    h('div', { class: 'table-scroll' }, h('table', { id: 'jobs' },
      h('thead', {}, h('tr', {}, ['Job', 'State', 'Input', 'Pipeline', 'Progress', 'Created'].map((name) => h('th', { scope: 'col' }, name)))),
      body)),
    empty, more, error);

  let cursor = null;
  const load = async (reset) => {
    if (reset) { body.replaceChildren(); cursor = null; }
    const query = new URLSearchParams({ limit: '20' });
    if (filter.value) query.set('state', filter.value);
    if (cursor) query.set('cursor', cursor);
    try {
      const page = await api(`/v1/jobs?${query}`);
      for (const job of page.jobs) {
        body.append(h('tr', {},
          h('td', {}, h('a', { href: `/jobs/${job.id}`, 'data-link': true }, job.id)),
          h('td', {}, h('span', { class: 'state', 'data-state': job.state }, job.state)),
          h('td', { class: 'input' }, describeInputs(job.inputs)),
          h('td', {}, job.pipeline),
          h('td', {}, `${job.state === 'succeeded' ? 100 : job.progress} %`),
          h('td', {}, formatTime(job.created_at))));
      }
      cursor = page.next_cursor;
      more.hidden = !cursor;
      empty.hidden = body.children.length > 0;
      root.dataset.loaded = 'true';
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  filter.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));
  await load(true);
}

function money(value, currency) {
  return `${Number(value).toFixed(4)} ${currency || ''}`.trim();
}

export async function showUsage(root) {
  let usage;
  try {
    usage = await api('/v1/usage');
  } catch (failure) {
    root.append(h('p', { class: 'error', role: 'alert' }, failure.message));
    return;
  }
  const currency = usage.currency;
  const kinds = Object.keys(usage.by_kind || {});
  const days = (usage.days || []).filter((day) => Object.keys(day.kinds || {}).length);
  root.append(
    h('p', {}, `${usage.from} to ${usage.to}: total `, h('strong', { id: 'usage-total' }, money(usage.total_cost, currency))),
    h('h2', {}, 'Per day and kind'),
    days.length ? h('div', { class: 'table-scroll' }, h('table', { id: 'usage-days' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), kinds.map((kind) => h('th', { scope: 'col' }, kind)), h('th', { scope: 'col' }, 'Cost'))),
      h('tbody', {}, days.map((day) => h('tr', {},
        h('td', {}, day.date),
        kinds.map((kind) => h('td', {}, day.kinds[kind] ? `${Number(day.kinds[kind].quantity.toFixed(2))} · ${money(day.kinds[kind].cost, '')}` : '')),
        h('td', {}, money(day.cost, currency)))))))
      : h('p', { class: 'hint' }, 'Nothing used in this period.'),
    h('section', { class: 'card powered', id: 'usage-404', 'aria-labelledby': 'usage-404-title' },
      h('h2', { id: 'usage-404-title' }, '404\'s part'),
      h('p', {}, 'Generations are powered by 404 and passed through at cost: ',
        h('strong', {}, money(usage.passed_through_404?.cost ?? 0, currency))),
      (usage.passed_through_404?.entries || []).length
        ? h('div', { class: 'table-scroll' }, h('table', {},
          h('thead', {}, h('tr', {}, ['Time', 'Job', 'Detail', 'Cost'].map((name) => h('th', { scope: 'col' }, name)))),
          h('tbody', {}, usage.passed_through_404.entries.map((entry) => h('tr', {},
            h('td', {}, formatTime(entry.time)),
            h('td', {}, entry.job_id ? h('a', { href: `/jobs/${entry.job_id}`, 'data-link': true }, entry.job_id) : ''),
            h('td', {}, entry.detail),
            h('td', {}, money(entry.cost, entry.currency)))))))
        : h('p', { class: 'hint' }, 'No 404 generations in this period.')));
}
