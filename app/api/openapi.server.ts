import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { getConfig } from "~/lib/config.server";
import { PROBLEM_TYPE_BASE } from "~/lib/problem.server";
import { FIELDS } from "~/ml/fields";
import { MAX_COMPARABLES_ROWS, MAX_EXPLAIN_ROWS } from "~/inference/predict.server";
import packageJson from "../../package.json";
import { registerMonitoringPaths } from "./openapi-monitoring.server";
import {
  PredictionSchema,
  RowErrorSchema,
  HealthSchema,
  HealthStatusSchema,
  LivenessSchema,
  ModelDescriptionSchema,
  PredictRequestSchema,
  PredictResponseSchema,
  ProblemSchema,
  PropertyRecordSchema,
  ReadySchema,
} from "./schemas";

// The OpenAPI 3.1 document of the JSON API, generated from the zod schemas the routes
// validate with (schemas.ts, ~/ml/schema.ts). Served at /api/v1/openapi.json and rendered by
// /docs. Built once per process; the result is plain JSON.

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31["generateDocument"]>;

const PROBLEM = "application/problem+json";

/** A record with every required field (their form defaults): the docs' example request. */
export function exampleRecord(): Record<string, string | number> {
  const record: Record<string, string | number> = {};
  for (const f of FIELDS) {
    if (f.required) record[f.name] = f.default ?? f.levels?.[0] ?? f.min ?? 0;
  }
  return record;
}

function registerComponents(registry: OpenAPIRegistry) {
  registry.registerComponent("securitySchemes", "ApiKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "One of the keys in the server's API_KEYS.",
  });
  registry.registerComponent("securitySchemes", "Bearer", {
    type: "http",
    scheme: "bearer",
    description: "The same API key as `Authorization: Bearer <key>`.",
  });
  const record = PropertyRecordSchema.meta({
    id: "PropertyRecord",
    description:
      "One property. Required fields must be present; optional fields may be omitted or null " +
      "(they are imputed from training statistics and listed in `imputed`).",
    example: exampleRecord(),
  });
  return {
    record,
    request: PredictRequestSchema.extend({
      records: z.array(record).min(1),
    }).meta({
      id: "PredictRequest",
      description:
        "`records` holds up to MAX_BATCH_ROWS records. `explain` adds TreeSHAP contributions " +
        `(at most ${MAX_EXPLAIN_ROWS} records per request); ` +
        "`strict` turns any invalid record into a 422 for the whole request; `comparables` adds " +
        `up to 5 comparable training sales per record (at most ${MAX_COMPARABLES_ROWS} records).`,
      example: { records: [exampleRecord()], explain: false },
    }),
    // Named items, so generated clients get a type for each kind of answer to a record.
    response: PredictResponseSchema.extend({
      predictions: z.array(
        z.discriminatedUnion("status", [
          PredictionSchema.meta({ id: "Prediction", description: "The estimate for a record." }),
          RowErrorSchema.meta({
            id: "RowError",
            description: "Why a record got no estimate: `row` and its field issues.",
          }),
        ]),
      ),
    }).meta({
      id: "PredictResponse",
      description:
        '`predictions[i]` answers `records[i]`: a prediction (`status: "ok"`), or ' +
        '`{status: "error", error: {row, errors}}` for an invalid record; `status` is the ' +
        "discriminator. Prices are in USD, to the cent. Each prediction has its interval's " +
        "calibration group and its own `warnings` (codes: GET /api/v1/model). Contributions " +
        "and base_value are in log-price units: base_value + Σ contributions = ln(price); " +
        "base_price = exp(base_value).",
    }),
    problem: ProblemSchema.meta({
      id: "Problem",
      description:
        "RFC 9457 problem details. `type` is " +
        `${PROBLEM_TYPE_BASE}<code>; \`errors\` lists every field issue of a 422.`,
    }),
  };
}

const formatBytes = (n: number) =>
  n >= 1024 * 1024 && n % (1024 * 1024) === 0
    ? `${n / (1024 * 1024)} MiB`
    : n >= 1024 && n % 1024 === 0
      ? `${n / 1024} KiB`
      : `${n} bytes`;

type ErrorSpec = [status: number, description: string, headers?: Record<string, string>];

const AUTH_ERRORS: ErrorSpec[] = [
  [
    401,
    "Missing or invalid API key.",
    { "WWW-Authenticate": 'Bearer realm="api", ApiKey header="X-API-Key"' },
  ],
  [
    429,
    "Per-key rate limit exceeded.",
    { "Retry-After": "Seconds until the next request is allowed." },
  ],
];
/** Any request can be refused before routing: a Host header that is not host[:port]. */
const BAD_HOST: ErrorSpec = [400, "The Host header is not host[:port]: the URL is not valid."];

const MODEL_NOT_READY: ErrorSpec = [
  503,
  "The model is not loaded yet.",
  { "Retry-After": "Seconds to wait before retrying." },
];

function problemResponses(problem: z.ZodType, specs: ErrorSpec[]) {
  return Object.fromEntries(
    specs.map(([status, description, headers]) => [
      status,
      {
        description,
        ...(headers
          ? {
              headers: Object.fromEntries(
                Object.entries(headers).map(([name, text]) => [
                  name,
                  { schema: { type: "string" as const }, description: text },
                ]),
              ),
            }
          : {}),
        content: { [PROBLEM]: { schema: problem } },
      },
    ]),
  );
}

const PREDICTION_HEADERS = {
  "X-Model-Version": { schema: { type: "string" as const }, description: "Model that answered." },
  "X-Request-Id": { schema: { type: "string" as const }, description: "Echoed or generated." },
  "Server-Timing": {
    schema: { type: "string" as const },
    description: "parse, predict and total durations (ms).",
  },
};

function buildRegistry(maxBatchRows: number, maxBodyBytes: number): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  const { request, response, problem } = registerComponents(registry);
  const security: Record<string, string[]>[] = [{ ApiKey: [] }, { Bearer: [] }];
  const queryFlag = z.enum(["true", "false"]).optional();

  // One operation per response type (ADR 0033): generated clients get PredictResponse from
  // `predict` and a string from `predictCsv`, not a union of both.
  const csvAnswer = z.string().meta({ description: "`row`, input columns, result columns." });
  for (const csv of [false, true])
    registry.registerPath({
      method: "post",
      path: csv ? "/api/v1/predict.csv" : "/api/v1/predict",
      operationId: csv ? "predictCsv" : "predict",
      summary: csv
        ? "Predict sale prices, answered as CSV: the uploaded table plus result columns"
        : "Predict sale prices for one or more properties",
      description:
        `Up to ${maxBatchRows.toLocaleString("en-US")} records and ${formatBytes(maxBodyBytes)} per request. Send JSON, or CSV ` +
        "(`Content-Type: text/csv`, header row = field names, empty cell = missing). " +
        (csv
          ? "Answers CSV whatever `Accept` says"
          : "Answers JSON; `POST /api/v1/predict.csv` answers the same as CSV (so does this " +
            "operation for `Accept: text/csv`)") +
        ": the input columns plus `predicted_price`, " +
        "`interval_lower`, `interval_upper`, `interval_level`, `imputed_fields`, " +
        "`interval_group`, `interval_widened`, `warning_codes`, `warning_fields` and `errors`. " +
        "Invalid records get per-row errors; the request fails with 422 only if every record " +
        "is invalid or `strict` is set.",
      tags: ["Predictions"],
      security,
      request: {
        query: z.object({
          explain: queryFlag.meta({
            description: `Add contributions, for at most ${MAX_EXPLAIN_ROWS} records (also a JSON body field).`,
          }),
          strict: queryFlag.meta({ description: "422 if any record is invalid." }),
          comparables: queryFlag.meta({
            description: `Add up to 5 comparable sales per record, for at most ${MAX_COMPARABLES_ROWS} records (also a JSON body field).`,
          }),
        }),
        body: {
          required: true,
          content: {
            "application/json": { schema: request },
            "text/csv": {
              schema: z.string().meta({
                description: "Header row of field names, one property per line.",
                example: `${Object.keys(exampleRecord()).join(",")}\n${Object.values(exampleRecord()).join(",")}\n`,
              }),
            },
          },
        },
      },
      responses: {
        200: {
          description: "Predictions, one per record, in order.",
          headers: PREDICTION_HEADERS,
          content: csv
            ? { "text/csv": { schema: csvAnswer } }
            : { "application/json": { schema: response } },
        },
        ...problemResponses(problem, [
          [400, "Malformed JSON or CSV, or an empty body."],
          ...AUTH_ERRORS,
          [405, "Only POST is allowed.", { Allow: "POST, OPTIONS" }],
          [
            413,
            "Body larger than MAX_BODY_BYTES, more records than MAX_BATCH_ROWS, or more than a scoring thread's heap holds (send fewer rows).",
          ],
          [415, "Content-Type is neither application/json nor text/csv."],
          [
            422,
            `Every record is invalid, strict mode found an invalid record, a bad envelope, or explain with more than ${MAX_EXPLAIN_ROWS} records.`,
          ],
          [500, "Unexpected server error."],
          MODEL_NOT_READY,
        ]),
      },
    });

  registry.registerPath({
    method: "get",
    path: "/api/v1/model",
    operationId: "getModel",
    summary: "The serving model: version, metrics and the fields a request may carry",
    tags: ["Model"],
    security,
    responses: {
      200: {
        description: "Model description.",
        headers: { "X-Model-Version": PREDICTION_HEADERS["X-Model-Version"] },
        content: { "application/json": { schema: ModelDescriptionSchema } },
      },
      ...problemResponses(problem, [...AUTH_ERRORS, MODEL_NOT_READY]),
    },
  });

  registry.registerPath({
    method: "get",
    path: "/api/v1/openapi.json",
    operationId: "getOpenApi",
    summary: "This document (public, no key)",
    tags: ["Meta"],
    security: [],
    responses: {
      200: {
        description: "OpenAPI 3.1 document.",
        content: { "application/json": { schema: z.object({ openapi: z.string() }) } },
      },
      ...problemResponses(problem, [BAD_HOST]),
    },
  });

  registry.registerPath({
    method: "get",
    path: "/healthz",
    operationId: "liveness",
    summary: "Liveness: the process answers",
    tags: ["Probes"],
    security: [],
    responses: {
      200: { description: "Alive.", content: { "application/json": { schema: LivenessSchema } } },
      ...problemResponses(problem, [BAD_HOST]),
    },
  });

  registry.registerPath({
    method: "get",
    path: "/readyz",
    operationId: "readiness",
    summary: "Readiness: 200 only with a loaded, warmed model and not draining",
    tags: ["Probes"],
    security: [],
    responses: {
      200: { description: "Ready.", content: { "application/json": { schema: ReadySchema } } },
      ...problemResponses(problem, [BAD_HOST]),
      503: {
        description: "Not ready (model loading or failed, or draining).",
        headers: { "Retry-After": { schema: { type: "string" } } },
        content: { "application/json": { schema: ReadySchema } },
      },
    },
  });

  // Public: the status only; with an admin key, the details (model, store, workers).
  const health = z.union([HealthStatusSchema, HealthSchema]);
  registry.registerPath({
    method: "get",
    path: "/health",
    operationId: "health",
    summary: "Health: the status; with an admin key, model, dependencies, uptime and version",
    tags: ["Probes"],
    security: [{}, ...security],
    responses: {
      200: {
        description: "Healthy or degraded.",
        content: { "application/json": { schema: health } },
      },
      ...problemResponses(problem, [BAD_HOST]),
      503: { description: "Unhealthy.", content: { "application/json": { schema: health } } },
    },
  });
  registerMonitoringPaths(registry, {
    security,
    authErrors: problemResponses(problem, AUTH_ERRORS),
    errors: (specs) => problemResponses(problem, specs),
  });
  return registry;
}

/** Adds what zod cannot carry per field: labels, units and descriptions from FIELDS. */
function describeFields(doc: OpenApiDocument): void {
  const schema = doc.components?.schemas?.PropertyRecord as
    { properties?: Record<string, Record<string, unknown>> } | undefined;
  for (const f of FIELDS) {
    const property = schema?.properties?.[f.name];
    if (!property) continue;
    property.title = f.label;
    const parts = [f.description, f.unit ? `Unit: ${f.unit}.` : undefined].filter(Boolean);
    if (parts.length > 0) property.description = parts.join(" ");
  }
}

export function buildOpenApiDocument(
  limits: { maxBatchRows: number; maxBodyBytes: number } = getConfig(),
): OpenApiDocument {
  const registry = buildRegistry(limits.maxBatchRows, limits.maxBodyBytes);
  const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Ames Housing Price API",
      version: packageJson.version,
      description:
        "Sale-price predictions for homes in Ames, Iowa (model trained on 2006–2010 sales), " +
        "with 90% intervals and optional per-factor explanations. Errors are RFC 9457 " +
        "problem+json with a `request_id`. Browsers on other origins may call it only from " +
        "the origins the server's CORS_ORIGINS lists.",
      license: {
        name: "Proprietary (private project; no licence is granted)",
        identifier: "LicenseRef-Proprietary",
      },
    },
    servers: [{ url: "/" }],
    tags: [
      { name: "Predictions", description: "Sale-price estimates for records sent as JSON or CSV." },
      { name: "Model", description: "The serving model: version, metrics, fields." },
      { name: "Monitoring", description: "Drift, live accuracy and sale-price feedback." },
      { name: "Probes", description: "For load balancers and orchestrators; no key." },
      { name: "Meta", description: "This API's own description." },
    ],
  });
  describeFields(doc);
  return doc;
}

let cached: { doc: OpenApiDocument; json: string } | undefined;

/** The document and its serialisation, built on first use (once per process). */
export function getOpenApi(): { doc: OpenApiDocument; json: string } {
  if (!cached) {
    const doc = buildOpenApiDocument();
    cached = { doc, json: JSON.stringify(doc) };
  }
  return cached;
}
