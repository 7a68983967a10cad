// How the estimate form lays out FIELDS (fields.ts stays the single source). Browser-safe.
import { FIELDS, type FieldSpec } from "~/ml/fields";
import { levelLabel } from "~/ml/level-labels";

export const REQUIRED_SPECS: readonly FieldSpec[] = FIELDS.filter((f) => f.required);

/** Optional fields by group, in the order groups first appear in FIELDS. */
export const OPTIONAL_GROUPS: readonly { group: string; fields: FieldSpec[] }[] = (() => {
  const groups = new Map<string, FieldSpec[]>();
  for (const f of FIELDS) {
    if (f.required) continue;
    const list = groups.get(f.group) ?? [];
    list.push(f);
    groups.set(f.group, list);
  }
  return [...groups].map(([group, fields]) => ({ group, fields }));
})();

/** The form's starting values: each required field's default. */
export function defaultFormValues(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of REQUIRED_SPECS) if (f.default !== undefined) out[f.name] = String(f.default);
  return out;
}

/**
 * The query string of a shareable result URL: only the known fields that have a value, in
 * FIELDS order, so the same inputs always give the same URL.
 */
export function shareableSearch(values: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const f of FIELDS) {
    const v = values[f.name];
    if (v === undefined || v === null) continue;
    const text = String(v).trim();
    if (text !== "") params.set(f.name, text);
  }
  return params.toString();
}

/** True when a query string carries any form field (i.e. asks for an estimate). */
export function hasFieldInputs(search: URLSearchParams): boolean {
  return FIELDS.some((f) => search.has(f.name));
}

/** Month names, January first (Mo_Sold is 1–12). */
export const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** Choices for a field shown as a <select>: categories, and the month of sale by name. */
export function selectOptions(f: FieldSpec): { value: string; label: string }[] | undefined {
  if (f.kind === "category") {
    return (f.levels ?? []).map((l) => ({ value: l, label: levelLabel(f.name, l) }));
  }
  if (f.name === "Mo_Sold") return MONTHS.map((m, i) => ({ value: String(i + 1), label: m }));
  return undefined;
}
