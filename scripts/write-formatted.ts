// Reports the scripts commit to docs/ are written as Prettier formats them, so a fresh
// measurement never fails `npm run format:check` (the bench and the Lighthouse script).
import { writeFileSync } from "node:fs";
import prettier from "prettier";

export async function writeFormatted(
  file: string,
  text: string,
  parser: "json" | "markdown",
): Promise<void> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(text, { ...options, parser }));
}
