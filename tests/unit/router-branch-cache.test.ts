// The @remix-run/router patch (patches/@remix-run+router+1.23.3.patch, ADR 0021) memoizes the
// flattened + ranked route branches per routes array and caches compiled path patterns.
// Matching must not change: the patched builds are compared with the package's own UMD build,
// which ships the same 1.23.3 matching code unpatched, on hand-checked and generated paths.
// The caches must be used: flattening and RegExp compilation happen once, not per call (the
// same probes on the unpatched reference show they would catch a missing patch).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type * as RemixRouter from "@remix-run/router";
import type { AgnosticRouteObject } from "@remix-run/router";
import fc from "fast-check";
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";

type RouterModule = typeof RemixRouter;

const require = createRequire(import.meta.url);
// What the server loads: @remix-run/server-runtime (CommonJS) requires the package's main file.
const serverRuntimeRequire = createRequire(require.resolve("@remix-run/server-runtime"));
const cjsFile = serverRuntimeRequire.resolve("@remix-run/router");
const distDir = path.dirname(cjsFile);
const cjs = serverRuntimeRequire("@remix-run/router") as RouterModule;
// The ES module build (what bundlers pick through "module", e.g. the browser bundle).
const esm = (await import(pathToFileURL(path.join(distDir, "router.js")).href)) as RouterModule;
// Same version, same matching code, never patched: the un-memoized reference.
const reference = require(path.join(distDir, "router.umd.js")) as RouterModule;

function routeTree(): AgnosticRouteObject[] {
  return [
    {
      id: "root",
      path: "/",
      children: [
        { id: "home", index: true },
        { id: "about", path: "about" },
        {
          id: "users",
          path: "users",
          children: [
            { id: "users-index", index: true },
            { id: "user-new", path: "new" },
            { id: "user", path: ":userId", children: [{ id: "user-edit", path: "edit" }] },
          ],
        },
        { id: "docs", path: "docs/*" },
        { id: "guide", path: ":lang?/guide" },
        { id: "case", path: "CaseSensitive", caseSensitive: true },
        { id: "layout", children: [{ id: "in-layout", path: "in-layout" }] },
        { id: "api-predict", path: "api/v1/predict" },
        { id: "api-resource", path: "api/v1/:resource" },
        { id: "catch-all", path: "*" },
      ],
    },
  ];
}

type Summary = { ids: string[]; params: Record<string, string | undefined>; pathname: string };

function summarize(
  router: RouterModule,
  routes: AgnosticRouteObject[],
  url: string,
  base?: string,
) {
  const matches = router.matchRoutes(routes, url, base);
  if (!matches) return null;
  const last = matches[matches.length - 1];
  return {
    ids: matches.map((m) => m.route.id ?? "?"),
    params: { ...last.params },
    pathname: last.pathname,
  } satisfies Summary;
}

const SEGMENTS = [
  "",
  "users",
  "new",
  "42",
  "edit",
  "docs",
  "a",
  "guide",
  "fr",
  "api",
  "v1",
  "predict",
  "model",
  "about",
  "ABOUT",
  "in-layout",
  "CaseSensitive",
  "casesensitive",
  "a%20b",
  "%E0%A4%A",
];

describe("the patched router files", () => {
  it("are what server-runtime loads, and carry the patch (postinstall ran)", () => {
    expect(path.basename(cjsFile)).toBe("router.cjs.js");
    for (const file of ["router.cjs.js", "router.js"]) {
      const source = readFileSync(path.join(distDir, file), "utf8");
      expect(source).toContain("getRankedBranches(routes)");
      expect(source).toContain("compiledPathCache");
      expect(source).toContain("matchesCache");
    }
    const umd = readFileSync(path.join(distDir, "router.umd.js"), "utf8");
    expect(umd).toContain("let branches = flattenRoutes(routes);");
    expect(umd).not.toContain("compiledPathCache");
  });
});

describe.each([
  ["CommonJS build", cjs],
  ["ES module build", esm],
])("matchRoutes, %s", (_name, router) => {
  it("keeps hand-checked matches, ranking and params", () => {
    const routes = routeTree();
    const cases: [string, Summary | null, string?][] = [
      ["/", { ids: ["root", "home"], params: {}, pathname: "/" }],
      ["/about", { ids: ["root", "about"], params: {}, pathname: "/about" }],
      ["/about/", { ids: ["root", "about"], params: {}, pathname: "/about/" }],
      ["/ABOUT", { ids: ["root", "about"], params: {}, pathname: "/ABOUT" }],
      // An index route's pathname gets the trailing slash of the joined (parent + "/") path.
      ["/users", { ids: ["root", "users", "users-index"], params: {}, pathname: "/users/" }],
      ["/users/new", { ids: ["root", "users", "user-new"], params: {}, pathname: "/users/new" }],
      [
        "/users/42/edit",
        {
          ids: ["root", "users", "user", "user-edit"],
          params: { userId: "42" },
          pathname: "/users/42/edit",
        },
      ],
      [
        "/users/a%20b",
        { ids: ["root", "users", "user"], params: { userId: "a b" }, pathname: "/users/a b" },
      ],
      ["/docs/a/b", { ids: ["root", "docs"], params: { "*": "a/b" }, pathname: "/docs/a/b" }],
      // The optional segment is exploded into two branches: without it there is no param.
      ["/guide", { ids: ["root", "guide"], params: {}, pathname: "/guide" }],
      ["/fr/guide", { ids: ["root", "guide"], params: { lang: "fr" }, pathname: "/fr/guide" }],
      ["/CaseSensitive", { ids: ["root", "case"], params: {}, pathname: "/CaseSensitive" }],
      [
        "/casesensitive",
        {
          ids: ["root", "catch-all"],
          params: { "*": "casesensitive" },
          pathname: "/casesensitive",
        },
      ],
      ["/in-layout", { ids: ["root", "layout", "in-layout"], params: {}, pathname: "/in-layout" }],
      [
        "/api/v1/predict",
        { ids: ["root", "api-predict"], params: {}, pathname: "/api/v1/predict" },
      ],
      [
        "/api/v1/model",
        { ids: ["root", "api-resource"], params: { resource: "model" }, pathname: "/api/v1/model" },
      ],
      ["/app/about", { ids: ["root", "about"], params: {}, pathname: "/about" }, "/app"],
      ["/elsewhere", null, "/app"],
    ];
    // Twice over the same array: the second pass is answered from the cached branches.
    for (let pass = 0; pass < 2; pass++) {
      for (const [url, expected, base] of cases) {
        expect(summarize(router, routes, url, base), `${url} (pass ${pass})`).toStrictEqual(
          expected,
        );
      }
    }
  });

  it("matches exactly like the unpatched reference on generated paths", () => {
    const routes = routeTree();
    // Malformed percent-encodings make both builds warn (and match undecoded): keep it quiet.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    onTestFinished(() => warn.mockRestore());
    const basenames = [undefined, "/", "/users"];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...SEGMENTS), { maxLength: 5 }),
        fc.boolean(),
        fc.constantFrom(...basenames),
        (segments, trailingSlash, base) => {
          const url = `/${segments.join("/")}${trailingSlash ? "/" : ""}`;
          // Same routes array for both: matches hold the very same route objects.
          expect(router.matchRoutes(routes, url, base)).toEqual(
            reference.matchRoutes(routes, url, base),
          );
          expect(router.matchPath("/users/:userId/*", url)).toEqual(
            reference.matchPath("/users/:userId/*", url),
          );
        },
      ),
      { numRuns: 400, seed: 11 },
    );
  });

  it("throws the same invariant for an invalid tree, on every call", () => {
    const bad: AgnosticRouteObject[] = [
      { id: "i", index: true, children: [{ id: "c", path: "c" }] } as never,
    ];
    for (let i = 0; i < 2; i++) {
      expect(() => router.matchRoutes(bad, "/c")).toThrow(
        /Index routes must not have child routes/,
      );
    }
  });
});

/** Routes whose `path` getters count how often the route tree is (re)flattened. */
function countingTree() {
  const counter = { reads: 0 };
  const routes = routeTree();
  const about = routes[0].children?.find((r) => r.id === "about");
  if (!about) throw new Error("no about route");
  Object.defineProperty(about, "path", {
    get() {
      counter.reads += 1;
      return "about";
    },
  });
  return { routes, counter };
}

/** Counts `new RegExp(…)` while `fn` runs (literals don't go through the constructor). */
function countRegExpConstructions(fn: () => void): number {
  const original = globalThis.RegExp;
  let count = 0;
  globalThis.RegExp = new Proxy(original, {
    construct(target, args: [string, string?]) {
      count += 1;
      return Reflect.construct(target, args) as RegExp;
    },
  });
  try {
    fn();
  } finally {
    globalThis.RegExp = original;
  }
  return count;
}

describe("the caches are used", () => {
  afterEach(() => {
    expect(globalThis.RegExp.name).toBe("RegExp");
  });

  it.each([
    ["CommonJS build", cjs],
    ["ES module build", esm],
  ])("%s flattens a routes array once, not per call", (_name, router) => {
    const { routes, counter } = countingTree();
    expect(router.matchRoutes(routes, "/about")?.at(-1)?.route.id).toBe("about");
    const afterFirst = counter.reads;
    expect(afterFirst).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) {
      expect(router.matchRoutes(routes, i % 2 ? "/about" : "/users/7")).not.toBeNull();
    }
    expect(counter.reads).toBe(afterFirst);
    // A new array (a dev rebuild, another handler) is flattened afresh.
    const other = countingTree();
    router.matchRoutes(other.routes, "/about");
    expect(other.counter.reads).toBeGreaterThan(0);
  });

  it("the reference re-flattens on every call (so the probe above detects a missing patch)", () => {
    const { routes, counter } = countingTree();
    reference.matchRoutes(routes, "/about");
    const afterFirst = counter.reads;
    reference.matchRoutes(routes, "/about");
    expect(counter.reads).toBeGreaterThan(afterFirst);
  });

  it.each([
    ["CommonJS build", cjs],
    ["ES module build", esm],
  ])("%s compiles each route pattern once", (_name, router) => {
    const routes = routeTree();
    const urls = ["/api/v1/predict", "/users/42/edit", "/docs/x", "/nowhere/at/all"];
    const warm = countRegExpConstructions(() => urls.forEach((u) => router.matchRoutes(routes, u)));
    const again = countRegExpConstructions(() => {
      for (let i = 0; i < 10; i++) urls.forEach((u) => router.matchRoutes(routes, u));
    });
    expect(again).toBe(0);
    // The first pass compiled at most what it had not seen before (another test may have).
    expect(warm).toBeGreaterThanOrEqual(0);
    const referenceCount = countRegExpConstructions(() =>
      urls.forEach((u) => reference.matchRoutes(routes, u)),
    );
    expect(referenceCount).toBeGreaterThan(urls.length);
  });

  it.each([
    ["CommonJS build", cjs],
    ["ES module build", esm],
  ])("%s hands out a remembered pathname's matches as copies", (_name, router) => {
    const routes = routeTree();
    const first = router.matchRoutes(routes, "/users/42/edit")!;
    (first[2].params as Record<string, string>).userId = "changed";
    first.pop();
    const second = router.matchRoutes(routes, "/users/42/edit")!;
    expect(second.map((m) => m.route.id)).toEqual(["root", "users", "user", "user-edit"]);
    expect(second[3].params).toEqual({ userId: "42" });
    // One params object for the matches of a branch, as the router builds them.
    expect(second.every((m) => m.params === second[0].params)).toBe(true);
    expect(router.matchRoutes(routes, "/nowhere/at/all")?.at(-1)?.route.id).toBe("catch-all");
  });

  it("keeps remembered matches bounded and still correct past their number", () => {
    const routes = routeTree();
    for (let i = 0; i < 1200; i++) {
      expect(cjs.matchRoutes(routes, `/users/${i}`)?.at(-1)?.params).toEqual({ userId: `${i}` });
    }
    for (let i = 0; i < 1200; i += 97) {
      expect(cjs.matchRoutes(routes, `/users/${i}`)?.at(-1)?.params).toEqual({ userId: `${i}` });
    }
  });

  it("keeps the compiled-pattern cache bounded and still correct past its size", () => {
    for (let i = 0; i < 2500; i++) {
      expect(cjs.matchPath(`/bounded-${i}/:id`, `/bounded-${i}/x`)?.params).toEqual({ id: "x" });
    }
    // The oldest entries were evicted: compiling them again builds a RegExp again.
    expect(countRegExpConstructions(() => cjs.matchPath("/bounded-0/:id", "/bounded-0/y"))).toBe(1);
    // The newest are still cached.
    expect(
      countRegExpConstructions(() => cjs.matchPath("/bounded-2499/:id", "/bounded-2499/y")),
    ).toBe(0);
  });
});

describe.each([
  ["CommonJS build", cjs],
  ["ES module build", esm],
  ["unpatched reference", reference],
])("route patching (lazy route discovery), %s", (_name, router) => {
  it("matches routes patched in place into an already-matched array", async () => {
    const r = router.createRouter({
      routes: [{ id: "root", path: "/", children: [{ id: "a", path: "a" }] }],
      history: router.createMemoryHistory({ initialEntries: ["/"] }),
      patchRoutesOnNavigation: ({ path: target, patch }) => {
        if (target === "/lazy") patch("root", [{ id: "lazy", path: "lazy" }]);
      },
    });
    r.initialize();
    try {
      await r.navigate("/a"); // warms the branch cache for r.routes
      expect(r.state.matches.map((m) => m.route.id)).toEqual(["root", "a"]);
      await r.navigate("/lazy"); // patches root.children in place, then matches again
      expect(r.state.errors).toBeNull();
      expect(r.state.matches.map((m) => m.route.id)).toEqual(["root", "lazy"]);
      expect(r.state.location.pathname).toBe("/lazy");
    } finally {
      r.dispose();
    }
  });
});
