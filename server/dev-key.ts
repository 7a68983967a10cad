import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

// A development API key that survives restarts: without it every start printed a new key and
// saved curl commands broke. Generated once into an ignored local file (.dev-api-key, or
// DEV_API_KEY_FILE), read at every later start, and handed to the configuration as API_KEYS.
// Development only, and only when no API_KEYS are set: deployed environments must set keys
// (config.server.ts refuses to start without), tests set their own.

const KEY = /^[A-Za-z0-9_-]{24,200}$/;

export type DevKey = { key: string; file: string; created: boolean };

/** The development key to use, or undefined when this start needs none (keys set, not dev). */
export function developmentKey(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): DevKey | undefined {
  const appEnv = env.APP_ENV ?? env.NODE_ENV ?? "development";
  if (appEnv !== "development" || (env.API_KEYS ?? "").trim() !== "") return undefined;
  const file = path.resolve(cwd, env.DEV_API_KEY_FILE ?? ".dev-api-key");
  try {
    const saved = readFileSync(file, "utf8").trim();
    if (KEY.test(saved)) return { key: saved, file, created: false };
  } catch {
    // No file yet (or unreadable): make one below.
  }
  const key = `dev_${randomBytes(18).toString("base64url")}`;
  try {
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
  } catch {
    return undefined; // a read-only checkout: config.server.ts generates a throwaway key
  }
  return { key, file, created: true };
}
