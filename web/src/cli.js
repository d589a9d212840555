// The `atlas` CLI commands that do a job's work locally (apps/atlas/run_command.cpp,
// generate_command.cpp): `atlas run PRESET FILE -o out --set NAME=VALUE ...`, after
// `atlas generate` for a prompt or picture. Pure functions, tested under node.

// One shell word: bare when it is plainly safe, else single-quoted ('\'' for a quote).
export function shellQuote(text) {
  const word = String(text);
  return /^[\w.,:=@%+\-/]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

// `--set`'s value as the pipeline loader reads it: lists comma-separated, booleans as
// true/false, the rest as typed.
export function setValue(value) {
  return Array.isArray(value) ? value.join(',') : String(value);
}

// The file `atlas generate` writes in its output folder: the prompt's words (lower case,
// '-' between, at most 48 characters) or the picture's stem, with the result's extension.
export function generatedFileName({ prompt, image }, extension) {
  if (image) return `${image.replace(/^.*\//, '').replace(/\.[^.]*$/, '')}.${extension}`;
  let stem = '';
  for (const c of prompt) {
    if (/[A-Za-z0-9]/.test(c)) stem += c.toLowerCase();
    else if (stem && !stem.endsWith('-')) stem += '-';
    if (stem.length >= 48) break;
  }
  stem = stem.replace(/-+$/, '');
  return `${stem || 'generation'}.${extension}`;
}

// The commands for a job: `job` as GET /v1/jobs/{id} gives it; `files` the uploaded
// inputs' file names by asset id (FILE and PICTURE stand in for unknown ones);
// `extension` the generated file's (from its artifact; 404's splats are SPZ).
// [] for an inline pipeline, which has no preset name to give.
export function atlasCommands(job, { files = {}, extension = 'spz' } = {}) {
  if (!job.pipeline || job.pipeline === 'inline') return [];
  const commands = [];
  const inputs = (job.inputs || []).map((input, index) => {
    if (typeof input === 'string') return files[input] || 'FILE';
    const folder = job.inputs.length > 1 ? `gen${index}` : 'gen';
    const picture = input.image ? files[input.image] || 'PICTURE' : null;
    commands.push(['atlas', 'generate', ...(picture ? ['--image', picture] : [input.prompt]), '-o', folder]
      .map(shellQuote).join(' '));
    return `${folder}/${generatedFileName({ prompt: input.prompt, image: picture }, extension)}`;
  });
  const sets = Object.entries(job.overrides || {}).flatMap(([name, value]) => ['--set', `${name}=${setValue(value)}`]);
  commands.push(['atlas', 'run', job.pipeline, ...inputs, '-o', 'out', ...sets].map(shellQuote).join(' '));
  return commands;
}
