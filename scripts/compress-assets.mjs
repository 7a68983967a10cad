// Precompresses the browser build (public/build: fingerprinted, immutable JS and CSS) into
// .br (brotli, quality 11) and .gz (gzip, level 9) files beside each asset, once at build
// time, so the server sends them as they are (sirv's brotli/gzip options in
// server/static-files.ts) instead of the raw bytes or a per-request compression (ADR 0038).
// A variant that is not smaller than the original is not written.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const DIR = process.argv[2] ?? "public/build";
const COMPRESSIBLE = /\.(js|mjs|css|svg|json|txt|map)$/;
const MIN_BYTES = 1024;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (COMPRESSIBLE.test(entry.name)) yield full;
  }
}

let raw = 0;
let br = 0;
let gz = 0;
let count = 0;
for (const file of files(DIR)) {
  if (statSync(file).size < MIN_BYTES) continue;
  const bytes = readFileSync(file);
  const brotli = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  const gzip = gzipSync(bytes, { level: 9 });
  if (brotli.length < bytes.length) writeFileSync(`${file}.br`, brotli);
  if (gzip.length < bytes.length) writeFileSync(`${file}.gz`, gzip);
  raw += bytes.length;
  br += Math.min(brotli.length, bytes.length);
  gz += Math.min(gzip.length, bytes.length);
  count++;
}
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(
  `compress-assets: ${count} files in ${DIR}: ${kb(raw)} raw, ${kb(gz)} gzip, ${kb(br)} brotli`,
);
