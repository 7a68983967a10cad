import fc from "fast-check";
import { FIELDS } from "~/ml/fields";
import type { Sent } from "../../scripts/reliability/http";
import { PREDICT_PATH, VALID_RECORD } from "../../scripts/reliability/requests";

// Generators of requests that must ALL be refused with a 4xx problem: every record they
// carry is invalid (a batch with one valid record would rightly answer 200), or the request
// itself is broken (JSON, encoding, media type, method, size, credentials).

/** Substring of every wrong key we send: it must never show up in the server's logs. */
export const WRONG_KEY_MARK = "wrongkey";

export type BadRequest = Sent & { kind: string };

const NUMERIC = FIELDS.filter((f) => f.kind !== "category");
const CATEGORY = FIELDS.filter((f) => f.kind === "category");
const REQUIRED = FIELDS.filter((f) => f.required);
const FIELD_NAMES = new Set(FIELDS.map((f) => f.name));
const AREAS = NUMERIC.filter((f) => /_SF$|_Area$|Frontage/.test(f.name));
const LEVELS = new Set(CATEGORY.flatMap((f) => f.levels ?? []));

type Rec = Record<string, unknown>;
/** A record with one corruption, as JSON text (so "__proto__" keys survive). */
type RecordText = { kind: string; text: string };

const withField = (kind: string, name: string, value: unknown): RecordText => ({
  kind,
  text: JSON.stringify({ ...VALID_RECORD, [name]: value }),
});
/** Adds a raw `"key": value` member to the valid record's JSON text. */
const withRawMember = (kind: string, key: string, valueJson: string): RecordText => ({
  kind,
  text: `${JSON.stringify(VALID_RECORD).slice(0, -1)},${JSON.stringify(key)}:${valueJson}}`,
});

const notALevel = fc.string({ maxLength: 40 }).filter((s) => !LEVELS.has(s.trim()));
const nonNullJson = fc.jsonValue({ maxDepth: 2 }).filter((v) => v !== null);

const badRecord: fc.Arbitrary<RecordText> = fc.oneof(
  // wrong types for numeric fields, including NaN/Infinity spelled as strings
  fc
    .tuple(
      fc.constantFrom(...NUMERIC),
      fc.oneof(
        fc.constantFrom("NaN", "Infinity", "-Infinity", "1e999", "0x10", "", " ", "1,500"),
        fc.string({ maxLength: 20 }),
        fc.boolean(),
        fc.array(fc.integer(), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
      ),
    )
    .map(([f, v]) => withField("wrong-type", f.name, v)),
  // wrong types / unknown levels for categories
  fc
    .tuple(
      fc.constantFrom(...CATEGORY),
      fc.oneof(notALevel, fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 })),
    )
    .map(([f, v]) => withField("unknown-category", f.name, v)),
  // numbers beyond the range: huge, tiny, negative areas, fractions of whole numbers
  fc
    .tuple(
      fc.constantFrom(...NUMERIC.filter((f) => f.max !== undefined)),
      fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, 1e20, -1),
    )
    .map(([f, v]) => withField("huge-number", f.name, v)),
  fc
    .tuple(fc.constantFrom(...AREAS), fc.double({ min: -1e12, max: -1e-3, noNaN: true }))
    .map(([f, v]) => withField("negative-area", f.name, v)),
  fc
    .tuple(
      fc.constantFrom(...NUMERIC.filter((f) => f.kind === "integer")),
      fc.constantFrom(0.5, 1.25, 2.999),
    )
    .map(([f, v]) => withField("fraction", f.name, v)),
  // raw numbers JSON cannot express → malformed JSON (400), tested at the body level too
  // unknown fields and prototype keys (non-null: null means "not given")
  fc
    .tuple(
      fc.string({ minLength: 1, maxLength: 30 }).filter((k) => !FIELD_NAMES.has(k)),
      nonNullJson,
    )
    .map(([k, v]) => withRawMember("unknown-field", k, JSON.stringify(v))),
  fc
    .tuple(
      fc.constantFrom(
        "__proto__",
        "constructor",
        "prototype",
        "toString",
        "hasOwnProperty",
        "__defineGetter__",
      ),
      fc.oneof(
        fc.constant('{"Gr_Liv_Area":-1}'),
        fc.constant('{"prototype":{"polluted":true}}'),
        nonNullJson.map((v) => JSON.stringify(v)),
      ),
    )
    .map(([k, v]) => withRawMember("proto-key", k, v)),
  // required field missing or null
  fc.constantFrom(...REQUIRED).map((f) => {
    const rec: Rec = { ...VALID_RECORD };
    delete rec[f.name];
    return { kind: "missing-required", text: JSON.stringify(rec) };
  }),
  fc.constantFrom(...REQUIRED).map((f) => withField("null-required", f.name, null)),
  // deep nesting inside a field value
  fc
    .integer({ min: 50, max: 5000 })
    .map((depth) =>
      withRawMember("deep-value", "Gr_Liv_Area", `${"[".repeat(depth)}1${"]".repeat(depth)}`),
    ),
  // enormous strings
  fc
    .tuple(
      fc.constantFrom("Neighborhood", "Gr_Liv_Area", "Notes"),
      fc.integer({ min: 10_000, max: 100_000 }),
    )
    .map(([name, n]) => withField("huge-string", name, "x".repeat(n))),
  // not an object at all
  fc
    .oneof(
      fc.constant(null),
      fc.integer(),
      fc.string({ maxLength: 10 }),
      fc.array(fc.integer(), { maxLength: 3 }),
    )
    .map((v) => ({ kind: "not-an-object", text: JSON.stringify(v) })),
);

const json = (kind: string, text: string, key: string): BadRequest => ({
  kind,
  method: "POST",
  path: PREDICT_PATH,
  headers: { "Content-Type": "application/json", "X-API-Key": key },
  body: Buffer.from(text, "utf8"),
});

const validBody = JSON.stringify({ records: [VALID_RECORD] });

export function badRequests(
  apiKey: string,
  limits: { maxBodyBytes: number; maxBatchRows: number },
) {
  return fc.oneof(
    {
      weight: 30,
      arbitrary: fc
        .array(badRecord, { minLength: 1, maxLength: 4 })
        .chain((recs) =>
          fc
            .record({ explain: fc.boolean(), strict: fc.boolean() })
            .map(({ explain, strict }) =>
              json(
                `records:${recs.map((r) => r.kind).join("+")}`,
                `{"records":[${recs.map((r) => r.text).join(",")}],"explain":${explain},"strict":${strict}}`,
                apiKey,
              ),
            ),
        ),
    },
    // malformed and truncated JSON
    {
      weight: 6,
      arbitrary: fc
        .integer({ min: 1, max: validBody.length - 1 })
        .map((n) => json("truncated-json", validBody.slice(0, n), apiKey)),
    },
    {
      weight: 4,
      arbitrary: fc
        .string({ maxLength: 200 })
        .filter((s) => {
          try {
            JSON.parse(s);
            return false;
          } catch {
            return true;
          }
        })
        .map((s) => json("malformed-json", s, apiKey)),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          '{"records":[{"Gr_Liv_Area":NaN}]}',
          '{"records":[{"Gr_Liv_Area":Infinity}]}',
          '{"records":[{"Gr_Liv_Area":1e999999}]}',
          "{'records':[]}",
          '{"records":[],}',
          "\u0000",
        )
        .map((s) => json("malformed-json", s, apiKey)),
    },
    // wrong shapes around valid records
    {
      weight: 4,
      arbitrary: fc
        .oneof(
          fc
            .jsonValue({ maxDepth: 3 })
            .filter(
              (v) => typeof v !== "object" || v === null || Array.isArray(v) || !("records" in v),
            ),
          fc.constant({ records: [] }),
          fc.constant({ records: {} }),
          fc.constant({ records: [VALID_RECORD], extra: 1 }),
          fc.constant({ records: [VALID_RECORD], explain: "yes" }),
          fc.constant({ records: [VALID_RECORD], strict: 1 }),
          fc.constant({
            records: Array.from({ length: limits.maxBatchRows + 1 }, () => VALID_RECORD),
          }),
        )
        .map((v) => json("wrong-shape", JSON.stringify(v), apiKey)),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1000, max: 50_000 })
        .map((d) => json("deep-nesting", `${"[".repeat(d)}${"]".repeat(d)}`, apiKey)),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 100, max: 20_000 })
        .map((d) =>
          json("deep-nesting", `{"records":[${'{"a":'.repeat(d)}1${"}".repeat(d)}]}`, apiKey),
        ),
    },
    // bigger than MAX_BODY_BYTES
    {
      weight: 1,
      arbitrary: fc.constant(
        json("too-large", `{"records":[{"Notes":"${"y".repeat(limits.maxBodyBytes)}"}]}`, apiKey),
      ),
    },
    // bad UTF-8 bytes inside an otherwise valid body
    {
      weight: 3,
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4 }).map((tail) => {
        // 0xff never occurs in UTF-8; it lands inside the "North_Ames" string.
        const body = Buffer.from(validBody);
        const at = body.indexOf("North_Ames") + 5;
        const bad = Buffer.from([0xff, ...tail]);
        return {
          ...json("bad-utf8", "", apiKey),
          body: Buffer.concat([body.subarray(0, at), bad, body.subarray(at)]),
        };
      }),
    },
    {
      weight: 2,
      arbitrary: fc.constant({ ...json("empty-body", "", apiKey), body: Buffer.alloc(0) }),
    },
    // wrong or missing content types
    {
      weight: 4,
      arbitrary: fc
        .constantFrom(
          "text/plain",
          "application/xml",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "application/octet-stream",
          "image/png",
          "",
          "json",
          "application/jsonx",
        )
        .map((ct) => {
          const req = json("content-type", validBody, apiKey);
          const headers: Record<string, string> = { "X-API-Key": apiKey };
          if (ct) headers["Content-Type"] = ct;
          return { ...req, kind: `content-type:${ct || "none"}`, headers };
        }),
    },
    // text/csv that is broken or has only invalid rows
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          "",
          "Gr_Liv_Area\n-5\n",
          "a,a\n1,2\n",
          '"unterminated\n',
          "Neighborhood,Gr_Liv_Area\nAtlantis,x\n",
        )
        .map((csv) => ({
          ...json("csv", "", apiKey),
          headers: { "Content-Type": "text/csv", "X-API-Key": apiKey },
          body: Buffer.from(csv),
        })),
    },
    // credentials: missing, wrong, garbled
    {
      weight: 6,
      arbitrary: fc
        .oneof(
          fc.constant({}),
          fc
            .string({ minLength: 1, maxLength: 60 })
            .map((s) => ({ "X-API-Key": `${WRONG_KEY_MARK}${s.replace(/[^\x21-\x7e]/g, "z")}` })),
          fc.constant({ "X-API-Key": apiKey.slice(0, -1) }),
          fc.constant({ "X-API-Key": `${apiKey}x` }),
          fc.constant({ "X-API-Key": apiKey.toUpperCase() }),
          fc
            .constantFrom(
              "Bearer",
              "Bearer ",
              `Basic ${WRONG_KEY_MARK}`,
              `Bearer ${WRONG_KEY_MARK} extra`,
              `bearer${apiKey}`,
              `Token ${apiKey}`,
            )
            .map((a) => ({ Authorization: a })),
        )
        .map((auth) => ({
          ...json("auth", validBody, apiKey),
          headers: { "Content-Type": "application/json", ...auth },
        })),
    },
    // wrong methods
    {
      weight: 2,
      arbitrary: fc
        .constantFrom("GET", "PUT", "DELETE", "PATCH")
        .map((method) => ({ ...json(`method:${method}`, validBody, apiKey), method })),
    },
  );
}
