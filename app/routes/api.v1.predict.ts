import { apiRoute, json, methodNotAllowed } from "~/lib/api.server";
import { bodyKind, parseJson, readBodyText } from "~/lib/body.server";
import { getConfig } from "~/lib/config.server";
import {
  InvalidInputError,
  MethodNotAllowedError,
  PayloadTooLargeError,
} from "~/lib/errors.server";
import { PredictRequestSchema } from "~/ml/api-schemas";
import { getReadyModel } from "~/ml/inference.server";
import { predictRecords } from "~/ml/predict.server";

// POST /api/v1/predict — { records: [...], explain?, strict? } → predictions.

export const loader = methodNotAllowed(["POST"]);

export const action = apiRoute("api-key", async ({ request, timing }) => {
  if (request.method !== "POST") throw new MethodNotAllowedError(["POST"]);
  const config = getConfig();
  const model = getReadyModel(); // 503 before reading a body we could not score anyway
  bodyKind(request, ["json"]);
  const t0 = performance.now();
  const body = parseJson(await readBodyText(request, config.maxBodyBytes));
  const envelope = PredictRequestSchema.safeParse(body);
  if (!envelope.success) {
    const issues = envelope.error.issues.map((i) => ({
      path:
        i.code === "unrecognized_keys"
          ? i.keys.join(", ")
          : i.path.map(String).join(".") || "(body)",
      message: i.code === "unrecognized_keys" ? "is not a known property" : i.message,
    }));
    throw new InvalidInputError(
      `Invalid request body: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
      issues,
    );
  }
  const { records, explain, strict } = envelope.data;
  if (records.length > config.maxBatchRows) {
    throw new PayloadTooLargeError(
      `${records.length} records exceed the limit of ${config.maxBatchRows} per request.`,
    );
  }
  timing("parse", performance.now() - t0);

  const t1 = performance.now();
  const result = await predictRecords(model, records, { explain, strict, source: "api" });
  timing("predict", performance.now() - t1);
  return json(result, { headers: { "X-Model-Version": result.model_version } });
});
