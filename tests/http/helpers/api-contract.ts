/**
 * Checks HTTP responses against the OpenAPI document the server PUBLISHES (fetched from
 * /api/v1/openapi.json), with ajv's JSON Schema 2020-12 validator (OpenAPI 3.1's dialect).
 *
 *   const contract = await loadContract(server.url);
 *   contract.check("/api/v1/predict", "post", res.status, contentType, body); // throws on drift
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const DOC_ID = "https://contract.test/openapi.json";

export type Contract = {
  doc: OpenApiDoc;
  /** Throws (listing ajv's errors) unless `body` matches the documented response schema. */
  check(path: string, method: string, status: number, contentType: string, body: unknown): void;
};

type OpenApiDoc = {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
  >;
  components: { schemas: Record<string, unknown> };
};

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

export async function loadContract(baseUrl: string): Promise<Contract> {
  const res = await fetch(`${baseUrl}/api/v1/openapi.json`);
  if (res.status !== 200) throw new Error(`openapi.json answered ${res.status}`);
  const doc = (await res.json()) as OpenApiDoc;
  // strict: false — the document also holds OpenAPI keywords (paths, example, …) that are
  // not JSON Schema; the schemas inside are validated by ajv as 2020-12.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema({ ...doc, $id: DOC_ID });
  return {
    doc,
    check(path, method, status, contentType, body) {
      const response = doc.paths[path]?.[method]?.responses?.[String(status)];
      if (!response) throw new Error(`${method.toUpperCase()} ${path} ${status} is not documented`);
      const type = contentType.split(";", 1)[0].trim();
      if (!response.content?.[type]) {
        throw new Error(`${method.toUpperCase()} ${path} ${status} does not document ${type}`);
      }
      const ref = `${DOC_ID}#/${pointer("paths", path, method, "responses", String(status), "content", type, "schema")}`;
      const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
      if (!validate(body)) {
        throw new Error(
          `${method.toUpperCase()} ${path} ${status} ${type} does not match the published schema: ` +
            JSON.stringify(validate.errors?.slice(0, 5)),
        );
      }
    },
  };
}
