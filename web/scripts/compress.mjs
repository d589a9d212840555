// Writes FILE.gz beside every compressible file of the built app, at build time, so
// `atlas serve` sends precompressed bytes to clients that accept gzip.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const compressible = /\.(js|mjs|css|html|svg|json|txt|wasm|map)$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (compressible.test(name)) {
      const bytes = readFileSync(path);
      const packed = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });
      // Tiny files can grow; the server then sends the original.
      if (packed.length < bytes.length) writeFileSync(path + '.gz', packed);
    }
  }
}

walk(process.argv[2] || 'dist');
