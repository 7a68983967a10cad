import { getFormProps, useForm, type SubmissionResult } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { Form } from "@remix-run/react";
import { PropertyRecordSchema } from "~/ml/schema";
import { OPTIONAL_GROUPS, REQUIRED_SPECS } from "~/components/form-fields";
import { FormField } from "./FormField";

const CONSTRAINT = getZodConstraint(PropertyRecordSchema);

/**
 * The estimate form. Without JavaScript it is a plain POST and the server answers with the
 * result (via a redirect to a shareable GET URL) or with the errors; with JavaScript, Conform
 * validates each field on blur with the same zod schema and Remix submits without a reload.
 */
export function EstimateForm({
  defaultValue,
  lastResult,
  busy,
}: {
  defaultValue: Record<string, string>;
  lastResult: SubmissionResult<string[]> | undefined;
  busy: boolean;
}) {
  const [form, fields] = useForm({
    id: "estimate",
    lastResult,
    defaultValue,
    constraint: CONSTRAINT,
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: PropertyRecordSchema }),
  });
  const meta = (name: string) =>
    (fields as Record<string, Parameters<typeof FormField>[0]["meta"]>)[name];
  const optionalNames = OPTIONAL_GROUPS.flatMap((g) => g.fields.map((f) => f.name));
  // Open "more details" when it holds a value or an error, so nothing entered is hidden.
  const openOptional = optionalNames.some(
    (n) => (defaultValue[n] ?? "") !== "" || (lastResult?.error?.[n]?.length ?? 0) > 0,
  );

  return (
    <Form method="post" {...getFormProps(form)} className="space-y-6" data-testid="estimate-form">
      {form.errors ? (
        <div
          id={form.errorId}
          role="alert"
          className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-900"
        >
          {form.errors.join(" ")}
        </div>
      ) : null}
      <fieldset>
        <legend className="text-lg font-semibold">The home</legend>
        <p className="mt-1 text-sm text-slate-600">
          These details matter most. The values shown are a typical Ames home: change them to yours.
        </p>
        <div className="mt-4 grid grid-cols-1 gap-4 sm:grid-cols-2">
          {REQUIRED_SPECS.map((spec) => (
            <FormField key={spec.name} spec={spec} meta={meta(spec.name)} />
          ))}
        </div>
      </fieldset>

      <details open={openOptional} className="group rounded-lg border border-slate-200 bg-slate-50">
        <summary className="cursor-pointer rounded-lg px-4 py-3 font-semibold text-slate-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600">
          More details <span className="font-normal text-slate-600">(optional)</span>
        </summary>
        <div className="space-y-6 px-4 pb-4">
          <p className="text-sm text-slate-600">
            Anything left empty is filled in from similar homes in the training data; the result
            lists what was filled in.
          </p>
          {OPTIONAL_GROUPS.map(({ group, fields: specs }) => (
            <fieldset key={group}>
              <legend className="font-medium text-slate-800">{group}</legend>
              <div className="mt-2 grid grid-cols-1 gap-4 sm:grid-cols-2">
                {specs.map((spec) => (
                  <FormField key={spec.name} spec={spec} meta={meta(spec.name)} />
                ))}
              </div>
            </fieldset>
          ))}
        </div>
      </details>

      <div className="flex flex-wrap items-center gap-3">
        <button
          type="submit"
          disabled={busy}
          className="rounded-md bg-blue-700 px-5 py-2.5 font-semibold text-white shadow-sm hover:bg-blue-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2 disabled:opacity-60"
        >
          {busy ? "Estimating…" : "Estimate price"}
        </button>
        <a
          href="/"
          className="rounded-md px-3 py-2 text-sm font-medium text-slate-700 underline hover:text-slate-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600"
        >
          Start over
        </a>
      </div>
    </Form>
  );
}
