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
