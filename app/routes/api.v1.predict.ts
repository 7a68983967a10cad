import { apiRoute, methodNotAllowed } from "~/api/route.server";
import { getReadyModel, predictApiBody } from "~/inference/inference.server";
import { bodyKind } from "~/lib/body.server";
import { bytesResponse } from "~/lib/bytes-response.server";
import { getConfig } from "~/lib/config.server";
import { InvalidInputError, MethodNotAllowedError } from "~/lib/errors.server";

// POST /api/v1/predict — JSON `{ records: [...], explain?, strict?, comparables? }` or CSV
// (header row = field names, `?explain=&strict=&comparables=` as query flags) → predictions as JSON, or as CSV with the
// result columns appended when the client sends `Accept: text/csv`. Parsing and predicting
// happen behind the inference facade (on a scoring thread for large bodies).

export const loader = methodNotAllowed(["POST"]);

function queryFlag(url: URL, name: string): boolean | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0" || value === "") return false;
  throw new InvalidInputError(`Query parameter ${name} must be true or false.`, [
    { path: name, message: "must be true or false" },
  ]);
}

const wantsCsv = (request: Request) =>
  /(^|,)\s*text\/csv\b/i.test(request.headers.get("accept") ?? "");

/**
 * The action of POST /api/v1/predict, and of POST /api/v1/predict.csv, which always answers
 * CSV: one operation per response type, so generated clients get one type each (ADR 0033).
 */
export const predictAction = (answer: "negotiated" | "csv") =>
  apiRoute("api-key", async ({ request, readBody, timing }) => {
    if (request.method !== "POST") throw new MethodNotAllowedError(["POST"]);
    const config = getConfig();
    const model = getReadyModel(); // 503 before reading a body we could not score anyway
    const kind = bodyKind(request, ["json", "csv"]);
    const url = new URL(request.url);
    const flags = {
      explain: queryFlag(url, "explain"),
      strict: queryFlag(url, "strict"),
      comparables: queryFlag(url, "comparables"),
    };
    const body = await readBody(config.maxBodyBytes);

    const t0 = performance.now();
    const out = await predictApiBody(
      {
        body,
        kind,
        flags,
        csvOut: answer === "csv" || wantsCsv(request),
        maxRows: config.maxBatchRows,
      },
      model,
    );
    timing("parse", out.parseMs);
    timing("predict", out.predictMs);
    if (out.thread === "worker") timing("worker", performance.now() - t0);

    return bytesResponse(out.body, {
      headers: {
        "Content-Type": out.contentType,
        "Cache-Control": "no-store",
        "X-Model-Version": out.modelVersion,
      },
    });
  });

export const action = predictAction("negotiated");
