import { getInputProps, getSelectProps, type FieldMetadata } from "@conform-to/react";
import type { FieldSpec } from "~/ml/fields";
import { sentence } from "~/components/format";
import { selectOptions } from "~/components/form-fields";

const CONTROL =
  "mt-1 block w-full rounded-md border bg-white px-3 py-2 text-base text-slate-900 shadow-sm " +
  "focus:outline-none focus:ring-2 focus:ring-blue-600 focus:ring-offset-1 sm:text-sm";

/**
 * One labelled input or select for a field spec, wired to Conform: aria-invalid and
 * aria-describedby point at the error (and the hint), the error sits right under the control.
 */
export function FormField({ spec, meta }: { spec: FieldSpec; meta: FieldMetadata<unknown> }) {
  const options = selectOptions(spec);
  const hint = spec.description ?? rangeHint(spec);
  const hintId = hint ? `${meta.id}-hint` : undefined;
  const invalid = !meta.valid && meta.errors !== undefined;
  const border = invalid ? "border-red-600" : "border-slate-300";
  const aria = { ariaDescribedBy: hintId };

  return (
    <div>
      <label htmlFor={meta.id} className="block text-sm font-medium text-slate-800">
        {spec.label}
        {spec.unit && spec.unit !== "°" ? (
          <span className="font-normal text-slate-600"> ({spec.unit})</span>
        ) : null}
        {spec.required ? null : <span className="font-normal text-slate-600"> — optional</span>}
      </label>
      {options ? (
        <select {...getSelectProps(meta, aria)} className={`${CONTROL} ${border}`}>
          {spec.required ? null : <option value="">Not specified (estimated)</option>}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...getInputProps(meta, { type: "number", ...aria })}
          // Integers step by 1; areas and coordinates accept any decimal.
          step={spec.kind === "integer" ? 1 : "any"}
          inputMode={spec.kind === "integer" ? "numeric" : "decimal"}
          placeholder={spec.required ? undefined : "Not specified"}
          className={`${CONTROL} ${border}`}
        />
      )}
      {hint ? (
        <p id={hintId} className="mt-1 text-xs text-slate-600">
          {hint}
        </p>
      ) : null}
      {invalid ? (
        <p id={meta.errorId} className="mt-1 text-sm font-medium text-red-700">
          {meta.errors?.map(sentence).join(". ")}
        </p>
      ) : null}
    </div>
  );
}

function rangeHint(spec: FieldSpec): string | undefined {
  if (spec.kind === "category" || spec.min === undefined || spec.max === undefined)
    return undefined;
  if (spec.name === "Mo_Sold") return undefined;
  // Years read wrong with a thousands separator ("1,800"); large areas read better with one.
  const fmt = (v: number) => (v >= 10_000 ? v.toLocaleString("en-US") : String(v));
  return `${fmt(spec.min)} to ${fmt(spec.max)}`;
}
