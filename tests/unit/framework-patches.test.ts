// The framework patches (patches/, ADR 0021) apply to one exact version each. This test fails
// loudly when an install brings another version, or a second copy beside the patched one:
// re-make the patch for the new version (and re-measure it, ADR 0021) or drop it.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);
const packageJson = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  overrides?: Record<string, string>;
};

/** Each patch file names its package and version: `@scope+name+1.2.3.patch`. */
const PATCHES = readdirSync(path.join(ROOT, "patches")).map((file) => {
  const match = /^(@[^+]+)\+([^+]+)\+(\d+\.\d+\.\d+)\.patch$/.exec(file);
  if (!match) throw new Error(`unexpected patch file name ${file}`);
  return { file, name: `${match[1]}/${match[2]}`, version: match[3] };
});

const installedVersion = (dir: string) =>
  (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;

/** Copies of `name` below other packages (one level of nesting: where npm puts them). */
function nestedCopies(name: string): string[] {
  const top = path.join(ROOT, "node_modules");
  const packages = readdirSync(top).flatMap((entry) =>
    entry.startsWith("@")
      ? readdirSync(path.join(top, entry)).map((sub) => path.join(top, entry, sub))
      : [path.join(top, entry)],
  );
  return packages
    .map((dir) => path.join(dir, "node_modules", name))
    .filter((dir) => existsSync(dir))
    .map((dir) => path.relative(ROOT, dir));
}

describe.each(PATCHES)("$name patch", ({ name, version }) => {
  it(`is pinned to exactly ${version} (a dependency and an override)`, () => {
    expect(packageJson.dependencies[name]).toBe(version);
    expect(packageJson.overrides?.[name]).toBe(version);
  });

  it("is the version installed, and the only copy in node_modules", () => {
    const dir = path.dirname(require.resolve(`${name}/package.json`));
    expect(installedVersion(dir)).toBe(version);
    // A nested copy (node_modules/<pkg>/node_modules/<name>) would run unpatched.
    expect(nestedCopies(name)).toEqual([]);
  });
});
