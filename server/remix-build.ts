import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { broadcastDevReady } from "@remix-run/node";

const BUILD_PATH = path.resolve("build/index.js");
const VERSION_PATH = path.resolve("build/version.txt");

async function importBuild(bust = ""): Promise<ServerBuild> {
  return (await import(pathToFileURL(BUILD_PATH).href + bust)) as ServerBuild;
}

/**
 * Production: the build is imported once. Development (`remix dev --manual`): the build is
 * re-imported when Remix rewrites build/version.txt, then the dev server is told it is ready.
 */
export async function loadRemixBuild(dev: boolean): Promise<() => ServerBuild> {
  let build = await importBuild();
  if (!dev) return () => build;
  await broadcastDevReady(build);
  fs.watchFile(VERSION_PATH, { interval: 200 }, async () => {
    build = await importBuild(`?t=${Date.now()}`);
    await broadcastDevReady(build);
  });
  return () => build;
}
