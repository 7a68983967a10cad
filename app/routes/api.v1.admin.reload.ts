import type { ActionFunctionArgs } from "@remix-run/node";
import { apiRoute, json, methodNotAllowed } from "~/api/route.server";
import { getModelState, reloadModel } from "~/inference/inference.server";
import { getConfig } from "~/lib/config.server";
import { MethodNotAllowedError, ModelReloadError, NotFoundError } from "~/lib/errors.server";
import { requestLogger } from "~/lib/logger.server";
import { toProblemResponse } from "~/lib/problem.server";

// POST /api/v1/admin/reload — re-read the model pointer and hot-swap to the bundle it names
// (load, verify, warm up, then swap; in-flight requests finish on the old model). Admin keys
// only (ADMIN_API_KEYS, separate from API_KEYS); with none configured the route does not exist.

const reload = apiRoute("admin-key", async ({ request, requestId, keyId }) => {
  if (request.method !== "POST") throw new MethodNotAllowedError(["POST"]);
  const previous = getModelState().model?.version ?? null;
  const outcome = await reloadModel("admin");
  const state = getModelState();
  const body = { outcome, model_version: state.model?.version ?? null, previous_version: previous };
  requestLogger(requestId).info("admin model reload", { key_id: keyId, ...body });
  if (outcome !== "failed") return json(body);

  const error = state.lastError ?? "unknown error";
  const problem = toProblemResponse(
    new ModelReloadError(`Model reload failed: ${error}`, { previousServes: !!state.model }),
    requestId,
  );
  // RFC 9457 extension members: the same fields as a success, plus the reason (admins only).
  return new Response(JSON.stringify({ ...(await problem.json()), ...body, error }), {
    status: problem.status,
    headers: problem.headers,
  });
});

export const action = (args: ActionFunctionArgs) => {
  if (getConfig().adminApiKeys.length === 0) {
    return toProblemResponse(
      new NotFoundError("Admin endpoints are disabled (ADMIN_API_KEYS is empty)."),
      args.context.requestId,
    );
  }
  return reload(args);
};

export const loader = methodNotAllowed(["POST"]);
