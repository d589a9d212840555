// The new-job form's "Advanced" section: the chosen preset's settings (and, behind a
// disclosure, every node parameter) from GET /v1/presets/{name}, each with an input of
// its type and range, the preset's value as default and a reset; the changed ones are
// the job's `overrides`.
import { api } from './api.js';
import { h } from './dom.js';
import { checkOverride, sameValue, valueText } from './validate.js';

let fieldCount = 0;

// One setting or parameter: its input, its message, and reading it back.
function field(spec) {
  const id = `override-${++fieldCount}`;
  const message = h('p', { class: 'error', id: `${id}-error`, role: 'alert' });
  let input;
  if (spec.type === 'bool') {
    input = h('input', { type: 'checkbox', id });
  } else if (spec.type === 'text' && spec.choices) {
    input = h('select', { id }, spec.choices.map((choice) => h('option', { value: choice }, choice)));
  } else if (spec.type === 'integer' || spec.type === 'number') {
    input = h('input', { type: 'number', id, min: spec.min, max: spec.max, step: spec.type === 'integer' ? 1 : 'any', inputmode: 'decimal' });
  } else {
    input = h('input', { type: 'text', id, spellcheck: 'false', placeholder: spec.type === 'numbers' ? 'e.g. 1, 0.25, 0.06' : '' });
  }
  input.dataset.override = spec.name;
  input.setAttribute('aria-describedby', `${id}-hint ${id}-error`);

  const raw = () => (spec.type === 'bool' ? input.checked : input.value);
  const set = (value) => {
    if (spec.type === 'bool') input.checked = Boolean(value);
    else input.value = valueText(value);
  };
  const reset = h('button', { type: 'button', class: 'link', 'aria-label': `Reset ${spec.name} to ${valueText(spec.default)}` }, 'reset');
  const row = h('div', { class: 'override' },
    h('label', { for: id }, spec.name),
    h('div', { class: 'override-input' }, input, reset),
    h('p', { class: 'hint', id: `${id}-hint` }, describe(spec)),
    message);

  // {name, value, changed} or {error}; shown beside the field as well.
  const read = () => {
    const checked = checkOverride(spec, raw());
    message.textContent = checked.error || '';
    input.toggleAttribute('aria-invalid', Boolean(checked.error));
    if (checked.error) return checked;
    const changed = !sameValue(checked.value, spec.default);
    row.classList.toggle('changed', changed);
    reset.hidden = !changed;
    return { name: spec.name, value: checked.value, changed };
  };
  input.addEventListener(spec.type === 'bool' || input.tagName === 'SELECT' ? 'change' : 'input', read);
  reset.addEventListener('click', () => { set(spec.default); read(); input.focus(); });
  set(spec.default);
  read();
  return { row, read };
}

function describe(spec) {
  const parts = [spec.description];
  const each = spec.type === 'numbers' ? 'each ' : '';
  if (spec.min !== undefined && spec.max !== undefined) parts.push(`${each}${spec.min} to ${spec.max}`);
  else if (spec.min !== undefined) parts.push(`${each}at least ${spec.min}`);
  else if (spec.max !== undefined) parts.push(`${each}at most ${spec.max}`);
  parts.push(`preset: ${valueText(spec.default) || '""'}`);
  if (spec.sets?.length) parts.push(`sets ${spec.sets.join(', ')}`);
  return parts.filter(Boolean).join(' · ');
}

// The section's body; `load(preset)` fills it for a preset, `collect()` reads it:
// {overrides} with the changed values only, or {errors} to explain before sending.
export function createOverrides() {
  const element = h('div', { id: 'overrides', class: 'overrides' });
  let fields = [];
  let loading = 0;

  const load = async (preset) => {
    const mine = ++loading;
    element.replaceChildren(h('p', { class: 'hint' }, `Loading ${preset}'s settings…`));
    fields = [];
    let document;
    try {
      document = await api(`/v1/presets/${encodeURIComponent(preset)}`);
    } catch (failure) {
      if (mine === loading) element.replaceChildren(h('p', { class: 'hint' }, `This preset's settings could not be read (${failure.message}): it runs as it is.`));
      return;
    }
    if (mine !== loading) return;
    const settings = (document.settings || []).map(field);
    const parameters = (document.parameters || []).map(field);
    fields = [...settings, ...parameters];
    element.replaceChildren(
      h('p', { class: 'hint' }, 'Change what you need; what you leave at the preset\'s value is not sent.'),
      ...settings.map((f) => f.row),
      parameters.length ? h('details', { id: 'all-parameters' },
        h('summary', {}, `All parameters (${parameters.length}, node.param)`),
        ...parameters.map((f) => f.row)) : null);
  };

  const collect = () => {
    const overrides = {};
    const errors = [];
    for (const f of fields) {
      const result = f.read();
      if (result.error) errors.push(result.error);
      else if (result.changed) overrides[result.name] = result.value;
    }
    return errors.length ? { errors } : { overrides };
  };

  return { element, load, collect };
}
