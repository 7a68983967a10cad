import type { IncomingMessage } from "node:http";
import type { ServerBuild } from "@remix-run/node";
import { matchRoutes, type AgnosticRouteObject } from "@remix-run/router";
import { REFUSING_LOADER } from "~/api/route.server";
import { MalformedRequestError, PayloadTooLargeError } from "~/lib/errors.server";
import { checkPathDecodes } from "./url-path";

// Request admission: what a request is, decided once, from the URL Remix will route.
//
// Remix routes `new URL(request.url)`: dot segments resolved, backslashes read as slashes,
// the authority taken from the Host header. Any decision made on the raw request target
// instead (`/api/../?index` is the estimate page) or with a Host that is not a host
// (`x/?index&` puts the real path in the query) applies to one route while another runs.
// So the URL is built here once, handed to Remix as is, and the route is matched on it by
// the router Remix itself uses; body limits, static files, the access log and the metrics
// label all come from this one answer.

/**
 * How a route takes a request body:
 * - "form": the server reads it before Remix (at most FORM_MAX_BYTES) and the action gets
 *   it as the Request's body (`request.formData()`);
 * - "upload": the route reads it through `context.readBody(max)` after its own checks (API
 *   key, rate limit, model ready), at most MAX_BODY_BYTES;
 * - "none": never read (the body is discarded after the answer).
 */
export type BodyUse = "none" | "form" | "upload";

/** The estimate form is ~80 short fields (~3 KiB urlencoded); nothing legitimate is larger. */
const FORM_MAX_BYTES = 64 * 1024;

/**
 * Every route with an action says how it takes a body; start-up fails for an action missing
 * here (a new one must choose). Routes without an action read no body.
 */
const BODY_USE: Readonly<Record<string, BodyUse>> = {
  "routes/_index": "form",
  "routes/batch": "upload",
  "routes/batch.download": "upload",
  "routes/api.v1.predict": "upload",
  "routes/api.v1.predict[.csv]": "upload",
  "routes/api.v1.feedback": "upload",
  "routes/api.v1.admin.reload": "none",
};
const GENEROSITY: Record<BodyUse, number> = { none: 0, form: 1, upload: 2 };

type Route = AgnosticRouteObject & {
  id: string;
  bodyUse: BodyUse;
  page: boolean;
  /** The methods its module answers: GET/HEAD with a loader or a page, POST with an action. */
  methods: readonly string[];
};

/** The build's routes as the router's route tree (what Remix's own createRoutes builds). */
function routeTree(build: ServerBuild): Route[] {
  const byParent = new Map<string, ServerBuild["routes"][string][]>();
  for (const route of Object.values(build.routes)) {
    const parent = route.parentId ?? "";
    byParent.set(parent, [...(byParent.get(parent) ?? []), route]);
    if (route.module.action && BODY_USE[route.id] === undefined) {
      throw new Error(`route ${route.id} has an action but no body use in server/admission.ts`);
    }
  }
  const children = (parentId: string): Route[] =>
    (byParent.get(parentId) ?? []).map((r) => ({
      id: r.id,
      path: r.path,
      caseSensitive: r.caseSensitive,
      bodyUse: BODY_USE[r.id] ?? "none",
      page: r.module.default !== undefined,
      methods: [
        ...((r.module.loader && !(REFUSING_LOADER in r.module.loader)) || r.module.default
          ? ["GET", "HEAD"]
          : []),
        ...(r.module.action ? ["POST"] : []),
      ],
      ...(r.index ? { index: true as const } : { children: children(r.id) }),
    })) as Route[];
  return children("");
}

/** What a pathname's matches decide, whatever the method and query. */
type Matched = {
  matches: { route: Route }[];
  /** The route pattern (Admission.route). */
  route: string;
  /** The most generous body use among the matched routes. */
  bodyUse: BodyUse;
  notFound: boolean;
  /** The leaf route renders a page. */
  page: boolean;
};
type Routing = { tree: Route[]; matched: Map<string, Matched> };
const routings = new WeakMap<ServerBuild, Routing>();
/** Pathnames remembered per build: far above the app's routes, bounded against scans. */
const PATHNAMES_KEPT = 500;

/**
 * A pathname's matches and what they decide, remembered per build: a request's pathname is
 * nearly always one seen before, and matching walks every ranked branch (ADR 0046). Read only.
 */
function matchPathname(build: ServerBuild, pathname: string): Matched {
  let routing = routings.get(build);
  if (!routing) routings.set(build, (routing = { tree: routeTree(build), matched: new Map() }));
  let matched = routing.matched.get(pathname);
  if (matched) return matched;
  const matches = (matchRoutes(routing.tree, pathname) ?? []) as { route: Route }[];
  // Which matched route's action runs depends on `?index` and `?_data`; the most generous
  // body use among them is allowed, and every one is capped.
  let bodyUse: BodyUse = "none";
  for (const { route } of matches) {
    if (GENEROSITY[route.bodyUse] > GENEROSITY[bodyUse]) bodyUse = route.bodyUse;
  }
  matched = {
    matches,
    route: matches.length > 0 ? routePattern(matches) : "/*",
    bodyUse,
    notFound: matches.length === 0 || matches.at(-1)?.route.id === SPLAT_ROUTE,
    page: matches.at(-1)?.route.page ?? false,
  };
  if (routing.matched.size >= PATHNAMES_KEPT) routing.matched.clear();
  routing.matched.set(pathname, matched);
  return matched;
}

export type Admission = {
  /** The URL Remix gets (its `href` is the Request's URL). */
  url: URL;
  /** The matched route's path pattern ("/api/v1/predict", "/batch", "/*"): logs and metrics. */
  route: string;
  bodyUse: BodyUse;
  /** The answer is an HTML page (a UI route, not a `?_data` request): it needs a CSP nonce. */
  page: boolean;
  /** The most body bytes this request may send. */
  maxBodyBytes: number;
  /** Methods the URL answers (OPTIONS included), for 405's Allow and CORS preflights. */
  allow: readonly string[];
  /** No route but the not-found page matched. */
  notFound: boolean;
  /** An /api/* URL: its errors are problems, CORS applies. */
  api: boolean;
};

// host or IPv4 or [IPv6], optional port: anything else ("x/?index&", "a@b", "[") is refused.
const HOST = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*)|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The request's URL; a 400 when the Host header is not host[:port] or no URL results. */
function requestUrl(req: IncomingMessage): URL {
  // HTTP/1.1 requests always carry a Host (node answers 400 without one); HTTP/1.0 may not.
  const host = req.headers.host ?? "localhost";
  if (!HOST.test(host)) {
    throw new MalformedRequestError(
      "The Host header must be host[:port]; the request is not a valid URL.",
    );
  }
  const target = req.url ?? "/";
  let url: URL | undefined;
  try {
    // Origin form ("/path?query"), or the absolute form proxies send ("http://host/path").
    url = new URL(target.startsWith("/") ? `http://${host}${target}` : target);
  } catch {
    // reported below
  }
  if (url?.protocol !== "http:" && url?.protocol !== "https:") {
    throw new MalformedRequestError("The request target is not a valid URL.");
  }
  checkPathDecodes(url.pathname);
  return url;
}

function routePattern(matches: { route: AgnosticRouteObject }[]): string {
  const parts = matches.flatMap((m) => (m.route.path ? [m.route.path] : []));
  return `/${parts.join("/")}`.replace(/\/+/g, "/");
}

const SPLAT_ROUTE = "routes/$";

/**
 * The route whose loader (GET/HEAD) or action (any other method) answers, as Remix picks it
 * (getTargetMatch of @remix-run/router): a `?_data` request names its route; an action goes
 * to an index route only with a naked `?index`, else to the deepest route with a path.
 */
function targetRoute(matches: { route: Route }[], url: URL, method: string): Route | undefined {
  const data = url.searchParams.get("_data");
  if (data !== null) return matches.find((m) => m.route.id === data)?.route;
  const leaf = matches.at(-1)?.route;
  if (method === "GET" || method === "HEAD" || !leaf?.index) return leaf;
  if (url.searchParams.getAll("index").includes("")) return leaf;
  const withPath = matches.filter((m, i) => i === 0 || (m.route.path ?? "") !== "");
  return withPath.at(-1)?.route;
}

/**
 * Admits a request: its URL, the route that will run, and how many body bytes it may send
 * (a declared Content-Length over that is a 413 before anything is read).
 */
export function admit(
  req: IncomingMessage,
  build: ServerBuild,
  limits: { maxBodyBytes: number },
): Admission {
  const url = requestUrl(req);
  const { matches, route, bodyUse, notFound, page } = matchPathname(build, url.pathname);
  const maxBodyBytes =
    bodyUse === "form" ? Math.min(FORM_MAX_BYTES, limits.maxBodyBytes) : limits.maxBodyBytes;
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBodyBytes) {
    req.resume(); // discard, so the connection can answer
    throw new PayloadTooLargeError(
      `Request body of ${declared} bytes exceeds the limit of ${maxBodyBytes} bytes.`,
    );
  }
  const method = req.method ?? "GET";
  const target = targetRoute(matches, url, method);
  const data = url.searchParams.get("_data");
  if (data !== null && !target && matches.length > 0) {
    throw new MalformedRequestError(`No route "${data}" answers ${url.pathname} (?_data).`);
  }
  return {
    url,
    route,
    bodyUse,
    page: page && !url.searchParams.has("_data"),
    maxBodyBytes,
    allow: [...(target?.methods ?? []), "OPTIONS"],
    notFound,
    api: url.pathname.startsWith("/api/"),
  };
}
