// What the app checks before sending anything, so a person hears why at once.

export const MESH_OR_SPLAT = ['ply', 'spz', 'splat', 'ksplat', 'glb', 'gltf', 'obj', 'stl'];
export const IMAGES = ['png', 'jpg', 'jpeg', 'webp'];
export const MAX_PROMPT = 4096; // JobInput.prompt's maxLength in openapi.json
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024; // `atlas serve --max-body-mb` default

export function extensionOf(name) {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

// {kind: 'model'|'image'} or {error}.
export function checkFile(file) {
  const extension = extensionOf(file.name);
  if (!MESH_OR_SPLAT.includes(extension) && !IMAGES.includes(extension)) {
    return {
      error: `"${file.name}" is not a file Atlas reads. Splats: .ply .spz .splat .ksplat; ` +
        `meshes: .glb .gltf .obj .ply .stl; pictures for image-to-3D: .png .jpg .webp.`,
    };
  }
  if (file.size === 0) return { error: `"${file.name}" is empty.` };
  if (file.size > MAX_UPLOAD_BYTES) {
    return { error: `"${file.name}" is ${formatBytes(file.size)}; uploads are limited to ${formatBytes(MAX_UPLOAD_BYTES)}.` };
  }
  return { kind: IMAGES.includes(extension) ? 'image' : 'model' };
}

export function checkPrompt(prompt) {
  const text = prompt.trim();
  if (!text) return { error: 'Type what to generate, e.g. "a red wooden chair".' };
  if (text.length > MAX_PROMPT) return { error: `The prompt is ${text.length} characters; at most ${MAX_PROMPT}.` };
  return { prompt: text };
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

// A preset setting's or node parameter's value as typed (text, or a checkbox's boolean),
// checked against its type and range from GET /v1/presets/{name}: {value} or {error}.
// `spec` is {name, type, min?, max?, choices?}.
export function checkOverride(spec, raw) {
  const fail = (why) => ({ error: `${spec.name}: ${why}` });
  const range = () => {
    if (spec.min !== undefined && spec.max !== undefined) return `from ${spec.min} to ${spec.max}`;
    return spec.min !== undefined ? `at least ${spec.min}` : `at most ${spec.max}`;
  };
  const inRange = (number) => (spec.min === undefined || number >= spec.min) && (spec.max === undefined || number <= spec.max);
  const number = (text, integer) => {
    const trimmed = String(text).trim();
    if (integer ? !/^[+-]?\d+$/.test(trimmed) : trimmed === '' || !Number.isFinite(Number(trimmed))) return null;
    return Number(trimmed);
  };
  switch (spec.type) {
    case 'bool':
      return typeof raw === 'boolean' ? { value: raw } : fail('on or off');
    case 'integer':
    case 'number': {
      const value = number(raw, spec.type === 'integer');
      if (value === null) return fail(`"${raw}" is not ${spec.type === 'integer' ? 'a whole number' : 'a number'}`);
      return inRange(value) ? { value } : fail(`${value} is out of range (${range()})`);
    }
    case 'numbers': {
      const parts = String(raw).split(',').map((part) => part.trim());
      if (parts.length === 1 && parts[0] === '') return fail('give at least one number, e.g. "1, 0.25, 0.06"');
      const values = [];
      for (const part of parts) {
        const value = number(part, false);
        if (value === null) return fail(`"${part}" is not a number (separate numbers with commas)`);
        if (!inRange(value)) return fail(`${value} is out of range (each ${range()})`);
        values.push(value);
      }
      return { value: values };
    }
    default: {
      const text = String(raw);
      if (spec.choices && !spec.choices.includes(text)) return fail(`"${text}" is not one of ${spec.choices.join(', ')}`);
      return { value: text };
    }
  }
}

// Whether a checked value is the preset's own (so it is not sent as an override).
export function sameValue(a, b) {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => item === b[i]);
  }
  return a === b;
}

// A value as the person edits it: numbers lists as "1, 0.25, 0.06".
export function valueText(value) {
  return Array.isArray(value) ? value.join(', ') : String(value ?? '');
}
