// The npm packages the production server still loads from node_modules at run time, and the
// files of theirs that the container image ships (ADR 0029). Everything else is bundled into
// server-build/ by scripts/build-server.mjs.
//
//   node scripts/runtime-packages.mjs <dest>/node_modules   copies them (Dockerfile)
//
// onnxruntime-node cannot be bundled: its JS loader requires a native addon by a computed path
// (bin/napi-v6/<platform>/<arch>/onnxruntime_binding.node, which loads libonnxruntime.so.1 from
// the same folder). Its loader requires onnxruntime-common, kept external too so that the app
// and the loader share one Tensor class. Its other dependencies (adm-zip, global-agent) serve
// only its install script, which never runs in the image. tests/unit/infra.test.ts checks that
// the shipped JS requires nothing beyond node's built-ins and these packages.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Package → what of it runs: paths relative to the package folder ({platform}/{arch}: this machine's). */
export const RUNTIME_PACKAGES = {
  "onnxruntime-node": ["package.json", "dist", "bin/napi-v6/{platform}/{arch}"],
  "onnxruntime-common": ["package.json", "dist/cjs"],
};

/** Imports the server bundle leaves to node_modules (esbuild `external`). */
export const EXTERNAL_PACKAGES = Object.keys(RUNTIME_PACKAGES);

// Types, source maps and docs are never loaded.
const SKIPPED = /\.(d\.[cm]?ts|map|md)$/;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Files of one runtime package to ship, relative to node_modules/. */
export function runtimeFiles(name, { platform = process.platform, arch = process.arch } = {}) {
  const files = [];
  const walk = (rel) => {
    const abs = path.join(ROOT, "node_modules", rel);
    const stat = fs.statSync(abs, { throwIfNoEntry: false });
    if (!stat) throw new Error(`${rel}: missing (is ${name} installed for ${platform}/${arch}?)`);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(abs).sort()) walk(path.join(rel, entry));
    } else if (!SKIPPED.test(rel)) {
      files.push(rel);
    }
  };
  for (const entry of RUNTIME_PACKAGES[name]) {
    walk(path.join(name, entry.replace("{platform}", platform).replace("{arch}", arch)));
  }
  return files;
}

function copyTo(dest) {
  let bytes = 0;
  for (const name of EXTERNAL_PACKAGES) {
    for (const rel of runtimeFiles(name)) {
      const target = path.join(dest, rel);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(path.join(ROOT, "node_modules", rel), target);
      bytes += fs.statSync(target).size;
    }
  }
  console.log(`${EXTERNAL_PACKAGES.join(", ")} → ${dest} (${(bytes / 1e6).toFixed(1)} MB)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dest = process.argv[2];
  if (!dest) {
    console.error("usage: node scripts/runtime-packages.mjs <dest>/node_modules");
    process.exit(2);
  }
  copyTo(path.resolve(dest));
}
