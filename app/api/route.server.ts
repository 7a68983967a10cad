import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { authenticate, createKeyRing, type KeyRing } from "~/lib/auth.server";
import { readRequestBody } from "~/lib/body.server";
import { getConfig } from "~/lib/config.server";
import { MethodNotAllowedError } from "~/lib/errors.server";
import { requestLogger } from "~/lib/logger.server";
import { toProblemResponse } from "~/lib/problem.server";
import { createRateLimiter, type RateLimiter } from "~/lib/rate-limit.server";
import { singleton } from "~/lib/singleton.server";

type Access = "public" | "api-key" | "admin-key";

export type ApiContext = {
  request: Request;
  requestId: string;
  /** Short hash of the caller's key ("" for public routes). */
  keyId: string;
  /** The request body's bytes, at most maxBytes (a 413 beyond), read after the key check. */
  readBody: (maxBytes: number) => Promise<Buffer>;
  /** Adds a Server-Timing entry. */
  timing: (name: string, ms: number) => void;
};

type Guards = { apiKeys: KeyRing; adminKeys: KeyRing; limit: RateLimiter };

// Keys are hashed and the limiter built once per process, not per request.
const guards = () =>
  singleton<Guards>("api-guards", () => {
    const config = getConfig();
    return {
      apiKeys: createKeyRing(config.apiKeys),
      adminKeys: createKeyRing(config.adminApiKeys),
      limit: createRateLimiter(config.rateLimitPerMinute, "api"),
    };
  });

export const json = (body: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(body), {
    ...init,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...init.headers },
  });

/**
 * Wraps a resource-route handler: key check → per-key rate limit → handler → Server-Timing;
 * any thrown value becomes problem+json through the one mapper.
 */
export function apiRoute(
  access: Access,
  handler: (ctx: ApiContext) => Promise<Response> | Response,
) {
  return async ({
    request,
    context,
  }: LoaderFunctionArgs | ActionFunctionArgs): Promise<Response> => {
    const started = performance.now();
    const timings: string[] = [];
    const requestId = context.requestId ?? "";
    try {
      let keyId = "";
      if (access !== "public") {
        const g = guards();
        keyId = authenticate(request.headers, access === "admin-key" ? g.adminKeys : g.apiKeys);
        if (context.logFields) context.logFields.key_id = keyId;
        await g.limit(keyId);
      }
      const response = await handler({
        request,
        requestId,
        keyId,
        readBody: (maxBytes) =>
          readRequestBody(context, maxBytes, { authenticated: access !== "public" }),
        timing: (name, ms) => timings.push(`${name};dur=${ms.toFixed(2)}`),
      });
      timings.push(`total;dur=${(performance.now() - started).toFixed(2)}`);
      response.headers.set("Server-Timing", timings.join(", "));
      return response;
    } catch (error) {
      const response = toProblemResponse(error, requestId);
      if (response.status >= 500) requestLogger(requestId).error("api request failed", { error });
      return response;
    }
  };
}

/**
 * Marks a loader that only refuses: the server's admission then leaves GET and HEAD out of
 * the route's Allow header and answers them with the 405 itself (server/admission.ts).
 */
export const REFUSING_LOADER = Symbol.for("housing.refusing-loader");

/** Whether the request carries a valid admin key (no 401: for answers with more detail). */
export function isAdmin(request: Request): boolean {
  try {
    authenticate(request.headers, guards().adminKeys);
    return true;
  } catch {
    return false;
  }
}

/** For resource routes that only answer one kind of method. */
export const methodNotAllowed = (allowed: string[]) =>
  Object.assign(
    apiRoute("public", () => {
      throw new MethodNotAllowedError(allowed);
    }),
    { [REFUSING_LOADER]: true },
  );
