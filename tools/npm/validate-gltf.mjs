// Validates glTF/GLB files with the Khronos glTF validator.
// Usage: node validate-gltf.mjs FILE...
// Prints one JSON line a file ({file, numErrors, numWarnings, numInfos, errors, warnings},
// the first few of each) and exits
// non-zero when any file has an error or cannot be read, so tests and CI can gate on it.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const validator = require("gltf-validator");

const kShownErrors = 5;

async function validateFile(file) {
  const bytes = new Uint8Array(await readFile(file));
  const folder = path.dirname(path.resolve(file));
  const report = await validator.validateBytes(bytes, {
    uri: path.basename(file),
    maxIssues: 1000,
    externalResourceFunction: async (uri) =>
      new Uint8Array(await readFile(path.resolve(folder, decodeURIComponent(uri)))),
  });
  const issues = report.issues;
  const errors = issues.messages
    .filter((message) => message.severity === 0)
    .slice(0, kShownErrors)
    .map((message) => `${message.code}${message.pointer ? " " + message.pointer : ""}: ${message.message}`);
  const warnings = issues.messages
    .filter((message) => message.severity === 1)
    .slice(0, kShownErrors)
    .map((message) => `${message.code}${message.pointer ? " " + message.pointer : ""}: ${message.message}`);
  return {
    file,
    numErrors: issues.numErrors,
    numWarnings: issues.numWarnings,
    numInfos: issues.numInfos,
    errors,
    warnings,
  };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate-gltf.mjs FILE...");
  process.exit(2);
}

let failed = false;
for (const file of files) {
  try {
    const result = await validateFile(file);
    if (result.numErrors > 0) failed = true;
    console.log(JSON.stringify(result));
  } catch (error) {
    failed = true;
    console.log(JSON.stringify({ file, numErrors: 1, numWarnings: 0, errors: [String(error)] }));
  }
}
process.exit(failed ? 1 : 0);
