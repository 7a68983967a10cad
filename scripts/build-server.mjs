// Bundles the programs that run from the production image: the custom server
// (server/index.ts + the app modules it uses), its scoring worker and the batch scoring CLI. npm packages stay
// external and load from node_modules at run time (the image has no tsx).
import { build } from "esbuild";

await build({
  entryPoints: {
    index: "server/index.ts",
    "predict-batch": "scripts/predict-batch.ts",
    // Loaded by piscina as the scoring threads (app/inference/threads.server.ts).
    "score-worker": "app/inference/threads.server.ts",
  },
  outdir: "server-build",
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  packages: "external",
  alias: { "~": "./app" },
  sourcemap: true,
  logLevel: "warning",
});
