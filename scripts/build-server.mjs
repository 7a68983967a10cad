// Bundles what runs from the production image, npm packages included, so the image's
// node_modules holds only what cannot be bundled (scripts/runtime-packages.mjs; ADR 0029):
//  - the programs below, written to server-build/<name>.js;
//  - the Remix server build, rewritten in place (build/index.js, which server/remix-build.ts
//    imports at run time), so the server and its routes share one copy of every package
//    (one prom-client registry, one winston, one React);
//  - piscina's thread entry, which piscina loads as `worker.js` next to its own code.
// Code splitting puts the modules several outputs use in server-build/chunk-*.js.
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { build } from "esbuild";
import { EXTERNAL_PACKAGES } from "./runtime-packages.mjs";

/** Output name in server-build/ → source. */
const PROGRAMS = {
  index: "server/index.ts",
  "predict-batch": "scripts/predict-batch.ts",
  // Loaded by piscina as the scoring threads (app/inference/score-worker.server.ts).
  "score-worker": "app/inference/score-worker.server.ts",
};

// Optional native add-ons that stay unresolved on purpose (the import fails and is caught):
// piscina loads @napi-rs/nice only for its `niceIncrement` option, which the pool never sets.
const UNSHIPPED_OPTIONAL = ["@napi-rs/nice"];

const OUT = "server-build";
const REMIX_BUILD = "build/index.js";
const MARK = "// Bundled by scripts/build-server.mjs";

// Bundled CommonJS packages call require() for node's built-ins and read __dirname (piscina
// finds worker.js by it): give every ESM output file both, for its own location.
const BANNER = [
  MARK,
  'import { createRequire as __bundleRequire } from "node:module";',
  'import { fileURLToPath as __bundlePath } from "node:url";',
  "const require = __bundleRequire(import.meta.url);",
  "const __filename = __bundlePath(import.meta.url);",
  'const __dirname = __bundlePath(new URL(".", import.meta.url)).replace(/\\/$/, "");',
].join("\n");

if (readFileSync(REMIX_BUILD, "utf8").startsWith(MARK)) {
  throw new Error(`${REMIX_BUILD} is already bundled: run \`npm run build\` (remix build first)`);
}

// piscina's package exports do not name worker.js: it sits beside its main file.
const piscinaWorker = path.join(
  path.dirname(createRequire(import.meta.url).resolve("piscina")),
  "worker.js",
);

// Chunk names carry content hashes: start empty so no stale chunk is left to ship.
rmSync(OUT, { recursive: true, force: true });

const { metafile } = await build({
  entryPoints: [
    ...Object.entries(PROGRAMS).map(([name, source]) => ({ in: source, out: `${OUT}/${name}` })),
    { in: REMIX_BUILD, out: REMIX_BUILD.replace(/\.js$/, "") },
    { in: piscinaWorker, out: `${OUT}/worker` },
  ],
  outdir: ".",
  allowOverwrite: true, // build/index.js replaces the file it was read from
  chunkNames: `${OUT}/chunk-[hash]`,
  bundle: true,
  splitting: true,
  platform: "node",
  target: "node24",
  format: "esm",
  external: [...EXTERNAL_PACKAGES, ...UNSHIPPED_OPTIONAL],
  alias: { "~": "./app" },
  banner: { js: BANNER },
  sourcemap: true,
  metafile: true,
  logLevel: "warning",
});

// piscina starts each thread from path.resolve(__dirname, "worker.js"): the file holding its
// pool code must sit next to that entry.
const piscinaPool = Object.entries(metafile.outputs).filter(
  ([, output]) =>
    output.inputs && Object.keys(output.inputs).some((i) => /piscina\/dist\/index\.js$/.test(i)),
);
for (const [file] of piscinaPool) {
  if (path.dirname(file) !== OUT)
    throw new Error(`piscina's pool was bundled into ${file}, away from ${OUT}/worker.js`);
}
if (piscinaPool.length === 0) throw new Error("piscina's pool is in no output: check PROGRAMS");
