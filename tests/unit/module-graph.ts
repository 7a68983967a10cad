// A program's module graph as esbuild sees it when scripts/build-server.mjs bundles it: the
// app's modules by path, a package by its name (as the module that imports it names it).
import { build, type Metafile } from "esbuild";

export type GraphOptions = {
  /**
   * Follow `import()` too. A module imported only dynamically loads when that code runs (the
   * batch CLI imports the server's inference module only to score on its own thread), so the
   * modules a program always loads are the static graph.
   */
  dynamic?: boolean;
};

async function metafileOf(entry: string): Promise<Metafile> {
  const { metafile } = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    outfile: "out.js",
    platform: "node",
    format: "esm",
    target: "node24",
    packages: "external", // a package appears as an import of the module that imports it
    alias: { "~": "./app" },
    metafile: true,
    logLevel: "silent",
  });
  return metafile;
}

/** Every module `entry` (a path from the repository's root) loads, transitively. */
export async function moduleGraph(entry: string, options: GraphOptions = {}): Promise<string[]> {
  const { inputs } = await metafileOf(entry);
  const reached = new Set<string>();
  const visit = (module: string) => {
    if (reached.has(module)) return;
    reached.add(module);
    for (const i of inputs[module]?.imports ?? []) {
      if (options.dynamic || i.kind !== "dynamic-import") visit(i.path);
    }
  };
  visit(entry);
  return [...reached];
}
