// Validates pipeline documents (YAML or JSON) against schemas/pipeline.schema.json.
// Usage: node validate-pipeline.mjs SCHEMA FILE...
// Prints "FILE: ok" or "FILE: <path> <problem>" lines and exits non-zero when any file
// does not parse or does not match the schema.
import { readFile } from "node:fs/promises";
import Ajv2020 from "ajv/dist/2020.js";
import YAML from "yaml";

const [schemaPath, ...files] = process.argv.slice(2);
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const validate = ajv.compile(JSON.parse(await readFile(schemaPath, "utf8")));

let failed = false;
for (const file of files) {
  let document;
  try {
    document = YAML.parse(await readFile(file, "utf8"));
  } catch (error) {
    console.log(`${file}: does not parse: ${error.message}`);
    failed = true;
    continue;
  }
  if (validate(document)) {
    console.log(`${file}: ok`);
    continue;
  }
  failed = true;
  for (const error of validate.errors) console.log(`${file}: ${error.instancePath || "/"} ${error.message}`);
}
process.exit(failed ? 1 : 0);
