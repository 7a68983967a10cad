// The prediction API over real HTTP against the built server: every success and client-error
// path of /api/v1/predict (JSON and CSV), the other endpoints, the published OpenAPI contract,
// and what the access log may (key id) and may not (the key) contain.
import { createHash } from "node:crypto";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadContract, type Contract } from "./helpers/api-contract";
import {
  amesRows,
  call,
  isError,
  MINIMAL_RECORD,
  postCsv,
  postJson,
  toCsv,
  toRecords,
  type ApiResponse,
  type PredictBody,
  type Prediction,
  type Problem,
  type RowError,
  withoutPredictionIds,
} from "./helpers/api-fixtures";
import { startServer, TEST_API_KEY, type TestServer } from "./helpers/server";
import { postFeedback } from "./helpers/monitoring";

const MODEL_URI = process.env.MODEL_URI ?? "models";
const WRONG_KEY = "wrong_key_zyxwvutsrqponmlkjih";
const ADMIN_KEY = "admin_key_0123456789abcdefghij";
const RESULT_COLUMNS = [
  "predicted_price",
  "interval_lower",
  "interval_upper",
  "interval_level",
  "imputed_fields",
  "interval_group",
  "interval_widened",
  "warning_codes",
  "warning_fields",
  "errors",
  "prediction_id",
];
// Every served prediction has a new id; the rest of two answers must match.
const withoutIdColumn = (csv: string) =>
  csv
    .split("\n")
    .map((line) => line.replace(/,[^,]*$/, ""))
    .join("\n");

let server: TestServer;
let contract: Contract;

beforeAll(async () => {
  server = await startServer(
    { MODEL_URI, LOG_LEVEL: "info", ADMIN_API_KEYS: ADMIN_KEY },
    { waitPath: "/readyz" },
  );
  contract = await loadContract(server.url);
});
afterAll(async () => {
  await server?.stop();
});

/** Asserts the response matches the published OpenAPI document for this operation. */
function conforms(res: ApiResponse, path = "/api/v1/predict", method = "post") {
  contract.check(path, method, res.status, res.contentType, res.body);
}

/** Every error: problem+json with the request id of the response, and documented. */
function expectProblem(res: ApiResponse, status: number, type: string): Problem {
  expect(res.status).toBe(status);
  expect(res.contentType).toBe("application/problem+json");
  const problem = res.body as Problem;
  expect(problem.status).toBe(status);
  expect(problem.type).toBe(`https://housing.example/problems/${type}`);
  expect(problem.request_id).toBeTruthy();
  expect(problem.request_id).toBe(res.headers.get("x-request-id"));
  return problem;
}

const prediction = (p: Prediction | RowError): Prediction => {
  if (isError(p)) throw new Error(`expected a prediction, got ${JSON.stringify(p)}`);
  return p;
};

describe("POST /api/v1/predict with JSON", () => {
  it("answers a batch with its Content-Length, or gzipped when asked: the same predictions", async () => {
    // Large answers are sent as the thread's bytes themselves and freed once sent (ADR 0066).
    const records = toRecords(amesRows().slice(0, 400));
    const post = (encoding: string) =>
      fetch(`${server.url}/api/v1/predict`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-API-Key": TEST_API_KEY,
          "Accept-Encoding": encoding,
        },
        body: JSON.stringify({ records }),
      });
    const plain = await post("identity");
    const bytes = Buffer.from(await plain.arrayBuffer());
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-length")).toBe(String(bytes.byteLength));
    const zipped = await post("gzip");
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    const a = JSON.parse(bytes.toString()) as PredictBody;
    const b = (await zipped.json()) as PredictBody; // fetch gunzips
    expect(a.counts).toEqual({ ok: 400, failed: 0 });
    expect(withoutPredictionIds(b.predictions)).toEqual(withoutPredictionIds(a.predictions));
  });

  it("predicts one record with an interval, the model version, request id and timings", async () => {
    const res = await postJson(
      server.url,
      { records: [MINIMAL_RECORD] },
      {
        "X-Request-Id": "test-request-0001",
      },
    );
    expect(res.status).toBe(200);
    conforms(res);
    const body = res.body as PredictBody;
    expect(body.counts).toEqual({ ok: 1, failed: 0 });
    expect(body.warnings).toEqual([]);
    const p = prediction(body.predictions[0]);
    expect(p.price).toBeGreaterThan(50_000);
    expect(p.price).toBeLessThan(600_000);
    expect(p.interval.lower).toBeLessThan(p.price);
    expect(p.interval.upper).toBeGreaterThan(p.price);
    expect(p.interval.level).toBe(0.9);
    expect(p.imputed.length).toBeGreaterThan(0); // only required fields were sent
    expect(p.contributions).toBeUndefined();
    expect(res.headers.get("x-model-version")).toBe(body.model_version);
    expect(res.headers.get("x-request-id")).toBe("test-request-0001");
    expect(res.headers.get("server-timing")).toMatch(
      /parse;dur=[\d.]+.*predict;dur=[\d.]+.*total;dur=/,
    );
  });

  it("predicts a batch of full records in order, one prediction per record", async () => {
    const records = toRecords(amesRows().slice(0, 40));
    const res = await postJson(server.url, { records });
    expect(res.status).toBe(200);
    conforms(res);
    const body = res.body as PredictBody;
    expect(body.predictions).toHaveLength(40);
    expect(body.counts).toEqual({ ok: 40, failed: 0 });
    // Order is kept: each record alone gets the same price as in the batch.
    const third = await postJson(server.url, { records: [records[2]] });
    expect(prediction((third.body as PredictBody).predictions[0]).price).toBe(
      prediction(body.predictions[2]).price,
    );
  });

  it("accepts the key as Authorization: Bearer too", async () => {
    const res = await call(`${server.url}/api/v1/predict`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify({ records: [MINIMAL_RECORD] }),
    });
    expect(res.status).toBe(200);
  });

  it("answers a mixed batch with per-row errors in place (200)", async () => {
    const records = [
      MINIMAL_RECORD,
      { ...MINIMAL_RECORD, Gr_Liv_Area: -5 },
      MINIMAL_RECORD,
      { ...MINIMAL_RECORD, Neighborhood: "Atlantis", Pool_Size: 3 },
    ];
    const res = await postJson(server.url, { records });
    expect(res.status).toBe(200);
    conforms(res);
    const body = res.body as PredictBody;
    expect(body.counts).toEqual({ ok: 2, failed: 2 });
    expect(body.warnings[0]).toMatch(/2 of 4 records are invalid/);
    // `status` is the discriminator: a client can switch on it alone.
    expect(body.predictions.map((p) => p.status)).toEqual(["ok", "error", "ok", "error"]);
    expect(isError(body.predictions[0])).toBe(false);
    expect(isError(body.predictions[2])).toBe(false);
    const second = body.predictions[1] as RowError;
    expect(second.error.row).toBe(1);
    expect(second.error.errors).toEqual([{ path: "Gr_Liv_Area", message: "must be at least 100" }]);
    const fourth = body.predictions[3] as RowError;
    expect(fourth.error.row).toBe(3);
    expect(fourth.error.errors.map((e) => e.path).sort()).toEqual(["Neighborhood", "Pool_Size"]);
  });

  it("fails the whole request with 422 in strict mode, naming every issue", async () => {
    const records = [MINIMAL_RECORD, { ...MINIMAL_RECORD, Gr_Liv_Area: 0, Full_Bath: 1.5 }];
    const res = await postJson(server.url, { records, strict: true });
    const problem = expectProblem(res, 422, "invalid_input");
    conforms(res);
    expect(problem.errors).toEqual([
      { path: "records[1].Gr_Liv_Area", message: "must be at least 100" },
      { path: "records[1].Full_Bath", message: "must be a whole number" },
    ]);
    expect(problem.detail).toMatch(/records\[1\]\.Gr_Liv_Area/);
  });

  it("answers 422 when every record is invalid, also without strict", async () => {
    const { Gr_Liv_Area: _dropped, ...missingArea } = MINIMAL_RECORD;
    const res = await postJson(server.url, { records: [missingArea, "not a record"] });
    const problem = expectProblem(res, 422, "invalid_input");
    conforms(res);
    expect(problem.errors).toEqual([
      { path: "records[0].Gr_Liv_Area", message: "is required" },
      { path: "records[1]", message: "must be an object of field values" },
    ]);
  });

  it("answers 422 for a bad envelope", async () => {
    const res = await postJson(server.url, { rows: [MINIMAL_RECORD] });
    const problem = expectProblem(res, 422, "invalid_input");
    conforms(res);
    expect(problem.errors?.map((e) => e.path)).toEqual(expect.arrayContaining(["records", "rows"]));
    const empty = await postJson(server.url, { records: [] });
    expectProblem(empty, 422, "invalid_input");
  });

  it("answers 400 for malformed JSON and for an empty body", async () => {
    const broken = await postJson(server.url, '{"records": [');
    expect(expectProblem(broken, 400, "malformed_request").detail).toMatch(/Malformed JSON/);
    conforms(broken);
    expectProblem(await postJson(server.url, ""), 400, "malformed_request");
  });

  it("answers 415 for a content type it does not read", async () => {
    const res = await call(`${server.url}/api/v1/predict`, {
      method: "POST",
      headers: { "Content-Type": "text/plain", "X-API-Key": TEST_API_KEY },
      body: JSON.stringify({ records: [MINIMAL_RECORD] }),
    });
    expect(expectProblem(res, 415, "unsupported_media_type").detail).toMatch(
      /application\/json or text\/csv/,
    );
    conforms(res);
  });

  it("answers 405 with Allow for GET", async () => {
    const res = await call(`${server.url}/api/v1/predict`, {
      headers: { "X-API-Key": TEST_API_KEY },
    });
    expectProblem(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("POST, OPTIONS");
    conforms(res);
  });

  it.each([
    ["no key", {}],
    ["a wrong X-API-Key", { "X-API-Key": WRONG_KEY }],
    ["a wrong bearer token", { Authorization: `Bearer ${WRONG_KEY}` }],
    ["a non-bearer Authorization", { Authorization: `Basic ${TEST_API_KEY}` }],
  ])("answers 401 with WWW-Authenticate for %s", async (_name, headers) => {
    const res = await call(`${server.url}/api/v1/predict`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify({ records: [MINIMAL_RECORD] }),
    });
    expectProblem(res, 401, "unauthorized");
    conforms(res);
    const challenge = res.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(/Bearer/);
    expect(challenge).toMatch(/X-API-Key/);
  });
});

describe("explanations", () => {
  it("contributions and base value add up to ln(price) for every row", async () => {
    const records = toRecords(amesRows().slice(100, 130));
    const res = await postJson(server.url, { records, explain: true });
    expect(res.status).toBe(200);
    conforms(res);
    for (const item of (res.body as PredictBody).predictions) {
      const p = prediction(item);
      expect(p.contributions!.length).toBeGreaterThan(5);
      const total = p.base_value! + p.contributions!.reduce((s, c) => s + c.value, 0);
      expect(Math.abs(total - Math.log(p.price))).toBeLessThanOrEqual(1e-4);
      expect(new Set(p.contributions!.map((c) => c.factor)).size).toBe(p.contributions!.length);
    }
  });

  it("refuses explanations for more than 200 records (422), not the plain prediction", async () => {
    const records = Array(201).fill(MINIMAL_RECORD);
    const res = await postJson(server.url, { records, explain: true });
    expect(expectProblem(res, 422, "invalid_input").errors).toEqual([
      { path: "explain", message: "allowed for at most 200 records per request" },
    ]);
    conforms(res);
    expect((await postJson(server.url, { records })).status).toBe(200);
  });

  it("takes explain from the query string as well", async () => {
    const res = await postJson(server.url, { records: [MINIMAL_RECORD] }, {}, "?explain=true");
    expect(prediction((res.body as PredictBody).predictions[0]).contributions).toBeDefined();
    const bad = await postJson(server.url, { records: [MINIMAL_RECORD] }, {}, "?explain=maybe");
    expect(expectProblem(bad, 422, "invalid_input").errors).toEqual([
      { path: "explain", message: "must be true or false" },
    ]);
  });
});

describe("POST /api/v1/predict with CSV", () => {
  const rows = () => amesRows().slice(200, 230);

  it("CSV in, JSON out: the same predictions as the JSON request", async () => {
    const viaCsv = await postCsv(server.url, toCsv(rows()));
    expect(viaCsv.status).toBe(200);
    conforms(viaCsv);
    const viaJson = await postJson(server.url, { records: toRecords(rows()) });
    const csvBody = viaCsv.body as PredictBody;
    expect(csvBody.counts).toEqual({ ok: 30, failed: 0 });
    expect(withoutPredictionIds(csvBody.predictions)).toEqual(
      withoutPredictionIds((viaJson.body as PredictBody).predictions),
    );
    expect(
      new Set(csvBody.predictions.map((p) => (p as { prediction_id?: string }).prediction_id)).size,
    ).toBe(30);
  });

  it("CSV in, CSV out: input columns plus result columns, prices equal the JSON ones", async () => {
    const input = rows();
    const res = await postCsv(server.url, toCsv(input), { Accept: "text/csv" });
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/csv/);
    expect(res.headers.get("x-model-version")).toBeTruthy();
    // The CSV operation answers the same file whatever Accept says, and documents it.
    const typed = await postCsv(server.url, toCsv(input), { Accept: "application/json" }, "", {
      path: "/api/v1/predict.csv",
    });
    expect(typed.status).toBe(200);
    expect(withoutIdColumn(typed.text)).toBe(withoutIdColumn(res.text));
    conforms(typed, "/api/v1/predict.csv");
    const out = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(out).toHaveLength(input.length);
    expect(Object.keys(out[0])).toEqual(["row", ...Object.keys(input[0]), ...RESULT_COLUMNS]);
    const json = (await postJson(server.url, { records: toRecords(input) })).body as PredictBody;
    out.forEach((row, i) => {
      const p = prediction(json.predictions[i]);
      expect(row.row).toBe(String(i + 1));
      expect(row.Gr_Liv_Area).toBe(input[i].Gr_Liv_Area);
      expect(Number(row.predicted_price)).toBe(Math.round(p.price));
      expect(Number(row.interval_lower)).toBe(Math.round(p.interval.lower));
      expect(Number(row.interval_upper)).toBe(Math.round(p.interval.upper));
      expect(row.errors).toBe("");
      expect(row.prediction_id).toMatch(/^[0-9a-f-]{36}$/);
    });
    // A CSV client can report sale prices too: the ids are the server's own.
    const feedback = await postFeedback(server.url, {
      feedback: out.map((row) => ({ prediction_id: row.prediction_id, sale_price: 150_000 })),
    });
    expect(feedback.status).toBe(200);
    expect((feedback.body as { counts: Record<string, number> }).counts).toEqual({
      recorded: input.length,
      updated: 0,
      unknown: 0,
    });
  });

  it("JSON in, CSV out", async () => {
    const res = await postJson(
      server.url,
      { records: [MINIMAL_RECORD, { Gr_Liv_Area: 5 }] },
      {
        Accept: "text/csv",
      },
    );
    expect(res.status).toBe(200);
    const out = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(out.map((r) => r.row)).toEqual(["0", "1"]);
    expect(Number(out[0].predicted_price)).toBeGreaterThan(0);
    expect(out[1].predicted_price).toBe("");
    expect(out[1].errors).toMatch(/Gr_Liv_Area: must be at least 100/);
  });

  it("reports invalid CSV rows per row, counting data rows from 1, and 422s them in strict mode", async () => {
    const input = rows().slice(0, 3);
    input[1] = { ...input[1], Gr_Liv_Area: "big" };
    const lenient = await postCsv(server.url, toCsv(input));
    expect(lenient.status).toBe(200);
    const body = lenient.body as PredictBody;
    expect(body.predictions[1]).toEqual({
      status: "error",
      error: { row: 2, errors: [{ path: "Gr_Liv_Area", message: "must be a number" }] },
    });
    const strict = await postCsv(server.url, toCsv(input), {}, "?strict=true");
    expect(expectProblem(strict, 422, "invalid_input").errors).toEqual([
      { path: "records[2].Gr_Liv_Area", message: "must be a number" },
    ]);
  });

  it("one column rule: an unknown column is copied and named, a missing required one refuses the file", async () => {
    const input = rows()
      .slice(0, 2)
      .map((r, i) => ({ property_id: `P-${i}`, ...r }));
    const json = await postCsv(server.url, toCsv(input));
    expect(json.status).toBe(200);
    conforms(json);
    const body = json.body as PredictBody;
    expect(body.counts).toEqual({ ok: 2, failed: 0 });
    expect(body.warnings.join(" ")).toMatch(/not used by the model.*property_id/);
    const csv = await postCsv(server.url, toCsv(input), { Accept: "text/csv" });
    const out = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(out.map((r) => r.property_id)).toEqual(["P-0", "P-1"]);

    const withoutArea = input.map((r) =>
      Object.fromEntries(Object.entries(r).filter(([k]) => k !== "Gr_Liv_Area")),
    );
    const refused = await postCsv(server.url, toCsv(withoutArea));
    const problem = expectProblem(refused, 422, "invalid_input");
    expect(problem.detail).toMatch(/no column for: Gr_Liv_Area/);
    conforms(refused);
  });

  it("answers 400 for broken CSV", async () => {
    const res = await postCsv(server.url, 'Gr_Liv_Area,Lot_Area\n1500,"8000\n');
    expectProblem(res, 400, "malformed_request");
    conforms(res);
  });
});

describe("the dashboard's result file", () => {
  it("2,500 rows are scored in slices: the file is the API's CSV answer for the same file", async () => {
    const many = amesRows()
      .slice(0, 2_500)
      .map((r, i) => (i % 97 === 40 ? { ...r, Gr_Liv_Area: "-3" } : r));
    const csv = toCsv(many);
    const form = new FormData();
    form.set("file", new Blob([csv], { type: "text/csv" }), "homes.csv");
    const [file, api] = await Promise.all([
      fetch(`${server.url}/batch/download`, { method: "POST", body: form, redirect: "manual" }),
      postCsv(server.url, csv, {}, "", { path: "/api/v1/predict.csv" }),
    ]);
    expect(file.status).toBe(200);
    expect(api.status).toBe(200);
    const text = await file.text();
    expect(withoutIdColumn(text)).toBe(withoutIdColumn(api.text));
    const lines = text.trim().split("\n");
    expect(lines).toHaveLength(2_501); // one header, rows numbered 1…2500 across slices
    expect(lines[2_500].split(",")[0]).toBe("2500");
    expect(lines.filter((l) => l.includes("Gr_Liv_Area: must be")).length).toBe(26);
  });
});

describe("other endpoints", () => {
  it("GET /api/v1/model describes the model and needs a key", async () => {
    const res = await call(`${server.url}/api/v1/model`, {
      headers: { "X-API-Key": TEST_API_KEY },
    });
    expect(res.status).toBe(200);
    conforms(res, "/api/v1/model", "get");
    const body = res.body as {
      model_version: string;
      fields: { name: string }[];
      required_fields: string[];
    };
    expect(body.required_fields).toEqual(expect.arrayContaining(Object.keys(MINIMAL_RECORD)));
    expect(body.fields.map((f) => f.name)).toContain("Gr_Liv_Area");
    expect(res.headers.get("x-model-version")).toBe(body.model_version);
    const anonymous = await call(`${server.url}/api/v1/model`);
    expectProblem(anonymous, 401, "unauthorized");
    conforms(anonymous, "/api/v1/model", "get");
  });

  it("the contract check rejects bodies that drift from the document", () => {
    const ok = { model_version: "v", predictions: [], warnings: [], counts: { ok: 0, failed: 0 } };
    expect(() =>
      contract.check("/api/v1/predict", "post", 200, "application/json", ok),
    ).not.toThrow();
    const drifted = { ...ok, counts: { ok: "0", failed: 0 } };
    expect(() =>
      contract.check("/api/v1/predict", "post", 200, "application/json", drifted),
    ).toThrow(/does not match/);
    expect(() => contract.check("/api/v1/predict", "post", 401, "application/json", {})).toThrow(
      /does not document/,
    );
    expect(() => contract.check("/api/v1/predict", "post", 418, "application/json", {})).toThrow(
      /not documented/,
    );
  });

  it("GET /api/v1/openapi.json is public OpenAPI 3.1 with both key schemes", async () => {
    const res = await call(`${server.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = res.body as {
      openapi: string;
      paths: Record<string, unknown>;
      components: {
        securitySchemes: Record<string, { type: string; name?: string; scheme?: string }>;
        schemas: Record<string, { properties: Record<string, { items?: unknown }> }>;
      };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/predict",
        "/api/v1/model",
        "/healthz",
        "/readyz",
        "/health",
      ]),
    );
    expect(doc.components.securitySchemes.ApiKey).toMatchObject({
      type: "apiKey",
      name: "X-API-Key",
    });
    expect(doc.components.securitySchemes.Bearer).toMatchObject({ type: "http", scheme: "bearer" });
    // Generated clients narrow a prediction item by `status` (issue 17: named items with a
    // discriminator).
    expect(doc.components.schemas.PredictResponse.properties.predictions.items).toEqual({
      oneOf: [
        { $ref: "#/components/schemas/Prediction" },
        { $ref: "#/components/schemas/RowError" },
      ],
      discriminator: {
        propertyName: "status",
        mapping: {
          ok: "#/components/schemas/Prediction",
          error: "#/components/schemas/RowError",
        },
      },
    });
  });

  it("probes: /healthz and /readyz answer 200, /health has the seed-compatible shape", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      const res = await call(`${server.url}${path}`);
      expect(res.status).toBe(200);
      conforms(res, path, "get");
    }
    // Without the admin key: the status only (no folders, buckets or versions).
    const open = await call(`${server.url}/health`, { headers: { "X-API-Key": TEST_API_KEY } });
    expect(open.status).toBe(200);
    expect(open.body).toEqual({ status: "healthy" });
    conforms(open, "/health", "get");
    const res = await call(`${server.url}/health`, { headers: { "X-API-Key": ADMIN_KEY } });
    expect(res.status).toBe(200);
    conforms(res, "/health", "get");
    const health = res.body as {
      status: string;
      model: { version: string; sha256: string; loaded_at: string; n_features: number };
      dependencies: Record<string, { status: string }>;
      uptime_s: number;
      app_version: string;
    };
    expect(health.status).toBe("healthy");
    expect(health.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(health.model.loaded_at)).not.toBeNaN();
    expect(health.model.n_features).toBeGreaterThan(10);
    expect(health.dependencies.model_store.status).toBe("ok");
    expect(health.uptime_s).toBeGreaterThanOrEqual(0);
    expect(health.app_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(JSON.stringify(health)).not.toContain(TEST_API_KEY);
  });

  it("/docs renders the API from the OpenAPI document without inline styles", async () => {
    const res = await call(`${server.url}/docs`);
    expect(res.status).toBe(200);
    expect(res.text).toContain("/api/v1/predict");
    expect(res.text).toContain("X-API-Key");
    expect(res.text).toContain("Gr_Liv_Area");
    expect(res.text).toContain("https://housing.example/problems/rate_limited");
    expect(res.text).not.toMatch(/\sstyle=/);
  });
});

describe("access log", () => {
  it("carries the key id and never the key", async () => {
    await postJson(server.url, { records: [MINIMAL_RECORD] });
    await postJson(server.url, { records: [MINIMAL_RECORD] }, { "X-API-Key": WRONG_KEY });
    const keyId = createHash("sha256").update(TEST_API_KEY).digest("hex").slice(0, 10);
    await server.waitForLog(new RegExp(`"key_id":"${keyId}"`));
    const logs = server.logs();
    expect(logs).toMatch(/"path":"\/api\/v1\/predict"/);
    expect(logs).not.toContain(TEST_API_KEY);
    expect(logs).not.toContain(WRONG_KEY);
  });
});
