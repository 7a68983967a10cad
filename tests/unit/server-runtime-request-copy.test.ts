// The @remix-run/server-runtime patch (patches/@remix-run+server-runtime+2.17.5.patch, ADR
// 0021): loaders and actions get the request itself when its URL has no `index`, `_data` or
// `_routes` parameter to strip, instead of two fresh copies per call. When there is something
// to strip, the copy must still be made and must still strip exactly what it did before.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

type Args = { request: Request; context: unknown; params: unknown };
type Call = (opts: {
  loadContext: unknown;
  params: Record<string, string>;
  request: Request;
  routeId: string;
  singleFetch: boolean;
  loader?: (args: Args) => unknown;
  action?: (args: Args) => unknown;
}) => Promise<unknown>;
type DataModule = { callRouteLoader: Call; callRouteAction: Call };

const require = createRequire(import.meta.url);
const distDir = path.dirname(require.resolve("@remix-run/server-runtime"));
// What the server loads (CommonJS), and the ES module build next to it.
const builds: [string, DataModule][] = [
  ["cjs", require(path.join(distDir, "data.js")) as DataModule],
  ["esm", (await import(pathToFileURL(path.join(distDir, "esm/data.js")).href)) as DataModule],
];

/** The request a loader (or action) is handed for `request`. */
async function seenBy(data: DataModule, kind: "loader" | "action", request: Request) {
  let seen: Request | undefined;
  const handler = ({ request: r }: Args) => {
    seen = r;
    return new Response("ok");
  };
  const call = kind === "loader" ? data.callRouteLoader : data.callRouteAction;
  await call({
    loadContext: {},
    params: {},
    request,
    routeId: "routes/x",
    singleFetch: false,
    [kind]: handler,
  });
  return seen!;
}

describe.each(builds)("server-runtime %s: request copies", (_name, data) => {
  it.each(["loader", "action"] as const)(
    "%s: no parameter to strip → the same request",
    async (kind) => {
      for (const url of [
        "http://h/healthz",
        "http://h/api/v1/predict?explain=true",
        "http://h/?indexed=1",
      ]) {
        const request = new Request(url, { method: kind === "loader" ? "GET" : "POST" });
        expect(await seenBy(data, kind, request)).toBe(request);
      }
    },
  );

  it("strips ?index (keeping non-empty values and other parameters) and ?_data as before", async () => {
    const cases: [string, string][] = [
      ["http://h/?index", "http://h/"],
      ["http://h/?index=&q=1", "http://h/?q=1"],
      ["http://h/?index=keep&q=1", "http://h/?q=1&index=keep"],
      ["http://h/users?_data=routes%2Fusers&q=2", "http://h/users?q=2"],
      ["http://h/?index&_data=routes%2F_index", "http://h/"],
    ];
    for (const [url, expected] of cases) {
      const request = new Request(url, { headers: { "X-Test": "1" } });
      const seen = await seenBy(data, "loader", request);
      expect(seen).not.toBe(request);
      expect(seen.url).toBe(expected);
      expect(seen.headers.get("x-test")).toBe("1");
    }
  });

  it("an action's copy keeps the method and the body", async () => {
    const request = new Request("http://h/?index", { method: "POST", body: "a=1" });
    const seen = await seenBy(data, "action", request);
    expect(seen.url).toBe("http://h/");
    expect(seen.method).toBe("POST");
    expect(await seen.text()).toBe("a=1");
  });
});
