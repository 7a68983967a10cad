// The serving hot path's record validation, in three steps from cheap to thorough:
// 1. A generated check that answers only "certainly valid as given" (every value the right
//    type, in range, a known level; no other keys, no nulls, no padded strings), one line per
//    field reading it by its literal name (ADR 0059). Anything else goes on to
// 2. an ajv-compiled check of the zod schema's own JSON Schema, several times faster than zod
//    (ADR 0020), after trimming strings and dropping nulls, and
// 3. zod, only for records that fail it, to produce the field messages.
// zod stays the single definition (forms, OpenAPI, training); tests/unit/ml/record-check.test.ts
// holds the whole chain to zod's verdict. Server-only: ajv and step 1 compile with
// `new Function`, and the browser validates with zod directly.
import { Ajv } from "ajv";
import { toJSONSchema } from "zod";
import { FIELDS, type FieldSpec } from "~/ml/fields";
import {
  LEVELS,
  PropertyRecordSchema,
  trimStrings,
  validateRecord,
  type PropertyRecord,
  type ValidationResult,
} from "~/ml/schema";

const isValidRecord = new Ajv({ strict: true, allErrors: false }).compile(
  toJSONSchema(PropertyRecordSchema, { target: "draft-7", io: "input" }),
);

/** The test of a present value `v` of field `f` (its levels are `levels[k]`, from LEVELS). */
function valueTest(f: FieldSpec, k: number): string {
  if (f.levels) return `typeof v === "string" && levels[${k}].has(v)`;
  // `>=`/`<=` are false for NaN; the bounds are finite, so Infinity fails them too.
  const range = `v >= ${f.min ?? -Number.MAX_VALUE} && v <= ${f.max ?? Number.MAX_VALUE}`;
  const type = f.kind === "integer" ? "Number.isSafeInteger(v)" : `typeof v === "number"`;
  return `${type} && ${range}`;
}

/**
 * Per field: its value must pass or be absent (a required one present); the count of present
 * fields must equal the record's own keys (so no unknown key, and no key holding undefined).
 * A plain object only, so that no field is read from another prototype. Built once from FIELDS
 * (never from request data), names as JSON string literals.
 */
function compileCertainlyValid(): (input: unknown) => boolean {
  const levels = FIELDS.map((f) => LEVELS.get(f.name));
  const lines = FIELDS.map((f, k) => {
    const missing = f.required ? " else return false;" : "";
    return `v = r[${JSON.stringify(f.name)}]; if (v !== undefined) { if (!(${valueTest(f, k)})) return false; n++; }${missing}`;
  });
  const source = [
    '"use strict";',
    "return function certainlyValid(r) {",
    "if (r === null || typeof r !== 'object' || Object.getPrototypeOf(r) !== Object.prototype) return false;",
    "let v, n = 0;",
    ...lines,
    "return n === Object.keys(r).length;",
    "};",
  ].join("\n");
  type Levels = (ReadonlyMap<string, string> | undefined)[];
  const make = new Function("levels", source) as (l: Levels) => (input: unknown) => boolean;
  return make(levels);
}

const certainlyValid = compileCertainlyValid();

export function checkRecord(input: unknown): ValidationResult {
  // A valid record is returned as given: zod's output for it would be an equal copy.
  if (certainlyValid(input)) return { ok: true, record: input as PropertyRecord };
  const record = trimStrings(input);
  if (isValidRecord(record)) return { ok: true, record: record as PropertyRecord };
  return validateRecord(input);
}
