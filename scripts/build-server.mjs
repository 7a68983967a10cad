// Bundles the custom server (server/index.ts + the app/lib modules it uses) into one ESM
// file. npm packages stay external and load from node_modules at run time.
import { build } from "esbuild";

await build({
  entryPoints: ["server/index.ts"],
  outfile: "server-build/index.js",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  alias: { "~": "./app" },
  sourcemap: true,
  logLevel: "warning",
});
