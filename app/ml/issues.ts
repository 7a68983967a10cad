import type { ZodIssue } from "zod";

export type ValidationIssue = { path: string; message: string };

// Unknown keys are echoed back so a client can see its typo, but a key is caller-chosen text of
// any length: a 1 MiB key would make a 1 MiB error (twice, detail and errors). A typo is short.
const MAX_SHOWN_KEY_CHARS = 64;

/** `text` cut to its first `keep` characters, with "…" when something was cut. */
export function ellipsize(text: string, keep: number): string {
  return text.length <= keep ? text : `${text.slice(0, keep)}…`;
}

const shownKey = (key: string) => ellipsize(key, MAX_SHOWN_KEY_CHARS);

/** zod issues as `{path, message}`, one per unknown key, the path dotted, the root named. */
export function issuesFromZod(
  issues: readonly ZodIssue[],
  unknownKeyMessage: string,
  rootPath = "(body)",
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({
          path: [...issue.path.map(String), shownKey(key)].join("."),
          message: unknownKeyMessage,
        });
      }
    } else {
      out.push({ path: issue.path.map(String).join(".") || rootPath, message: issue.message });
    }
  }
  return out;
}
