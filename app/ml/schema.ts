// zod schema of a raw property record, derived from FIELDS. Browser-safe.
// Strings are trimmed before validation (the data has "WD " for "WD"; see fields.ts), so the
// schema itself stays a plain strict object of numbers and enums for forms and OpenAPI.
// Named imports, not `z`: the namespace drags every zod locale (~400 KB) into the browser
// bundle of the estimate form, which validates with this schema.
import { enum as zEnum, number as zNumber, strictObject, type ZodType } from "zod";
import { FIELDS, TARGET_FIELD, type FieldSpec } from "./fields";
import { issuesFromZod, type ValidationIssue } from "./issues";
import { jitlessInBrowser } from "./zod-browser";

jitlessInBrowser();

const SHOWN_LEVELS = 6;

function levelsHint(levels: readonly string[]): string {
  const shown = levels.slice(0, SHOWN_LEVELS).join(", ");
  return levels.length > SHOWN_LEVELS ? `${shown}, … (${levels.length} values)` : shown;
}

function fieldSchema(f: FieldSpec): ZodType {
  if (f.kind === "category") {
    const levels = f.levels ?? [];
    return zEnum(levels as [string, ...string[]], {
      error: (iss) =>
        iss.input === undefined ? "is required" : `must be one of: ${levelsHint(levels)}`,
    });
  }
  let s = zNumber({
    error: (iss) => (iss.input === undefined ? "is required" : "must be a number"),
  });
  if (f.kind === "integer") s = s.int({ error: "must be a whole number" });
  if (f.min !== undefined) s = s.min(f.min, { error: `must be at least ${f.min}` });
  if (f.max !== undefined) s = s.max(f.max, { error: `must be at most ${f.max}` });
  return s;
}

function buildShape(): Record<string, ZodType> {
  const shape: Record<string, ZodType> = {};
  for (const f of FIELDS) shape[f.name] = f.required ? fieldSchema(f) : fieldSchema(f).optional();
  return shape;
}

export const PropertyRecordSchema = strictObject(buildShape());

/** A validated raw record: numbers for numeric fields, level strings for categories. */
export type PropertyRecord = Record<string, number | string | undefined>;

export type ValidationResult =
  { ok: true; record: PropertyRecord } | { ok: false; issues: ValidationIssue[] };

const NUMERIC = new Set(FIELDS.filter((f) => f.kind !== "category").map((f) => f.name));

/**
 * Per category field, each level → the same level as written in fields.ts (also the serving
 * record check's test of a level, record-check.server.ts). A cell's text is a new string, and
 * V8 compares or hashes it by its characters at every later lookup (the schema's enum check,
 * the encoders, the monitor's bins, the warnings): handing on the literal instead, which V8
 * keeps once (internalized), as JSON.parse does for short strings, makes every one of those
 * lookups a pointer comparison (ADR 0059).
 */
export const LEVELS: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map(
  FIELDS.filter((f) => f.levels).map((f) => [f.name, new Map(f.levels!.map((l) => [l, l]))]),
);

/** A cell's text, trimmed; undefined when empty or absent. */
function cellText(raw: string | undefined): string | undefined {
  const v = typeof raw === "string" ? raw.trim() : raw;
  return v === "" || v === null ? undefined : v;
}

export type CellCoercer = (raw: string | undefined) => unknown;

/**
 * One field's CSV cell → its input value: empty → missing (undefined), numeric fields →
 * numbers (text that is not a number stays text so validation reports it), a category's
 * level → its literal (LEVELS). Decided once per field, not per cell: the compiled row
 * (csv-input.ts) calls one per column.
 */
function cellCoercer(field: string): CellCoercer {
  if (NUMERIC.has(field)) {
    return (raw) => {
      const v = cellText(raw);
      if (v === undefined) return undefined;
      const n = Number(v);
      return Number.isFinite(n) ? n : v;
    };
  }
  const levels = LEVELS.get(field);
  if (levels) {
    return (raw) => {
      const v = cellText(raw);
      return v === undefined ? undefined : (levels.get(v) ?? v);
    };
  }
  return cellText;
}

const COERCERS = new Map(FIELDS.map((f) => [f.name, cellCoercer(f.name)]));

/** The coercer of a column named `field`, made once per field (any other column: its text). */
export const coercerOf = (field: string): CellCoercer => COERCERS.get(field) ?? cellText;

/** A CSV row (all strings) → an input for validateRecord, the target dropped. */
export function coerceCsvRow(row: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(row)) {
    if (key === TARGET_FIELD) continue;
    const v = coercerOf(key)(raw);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Trims string values and drops nulls (copying the record only when something changes). */
export function trimStrings(input: unknown): unknown {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return input;
  // Hot path: most records need no change, so copy only when a value is null or a string
  // with surrounding whitespace (this check is ~3x cheaper than always copying).
  let clean = true;
  for (const key in input) {
    const v = (input as Record<string, unknown>)[key];
    if (v === null || (typeof v === "string" && v !== v.trim())) {
      clean = false;
      break;
    }
  }
  if (clean) return input;
  // One loop into one object, no array per field: most real records take this path (the Ames
  // data's own Sale_Type "WD " has a trailing space), so its garbage is every request's.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    const v = (input as Record<string, unknown>)[key];
    // null in JSON means "not given" for optional fields, like an empty CSV cell.
    if (v === null) continue;
    const value = typeof v === "string" ? v.trim() : v;
    // A JSON key "__proto__" stays a plain (unknown) field that the strict schema rejects;
    // an assignment would swap the prototype instead.
    if (key === "__proto__") {
      Object.defineProperty(out, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else out[key] = value;
  }
  return out;
}

export function validateRecord(input: unknown): ValidationResult {
  const parsed = PropertyRecordSchema.safeParse(trimStrings(input));
  if (parsed.success) return { ok: true, record: parsed.data as PropertyRecord };
  // A non-object record fails at its root: say what a record is rather than zod's type message.
  const issues = parsed.error.issues.flatMap((issue) =>
    issue.code !== "unrecognized_keys" && issue.path.length === 0
      ? [{ path: "", message: "must be an object of field values" }]
      : issuesFromZod([issue], "is not a known field"),
  );
  return { ok: false, issues };
}
