import { PayloadTooLargeError } from "~/lib/errors.server";

/**
 * A 413 for a physical line (up to "\n", "\r" or the end) that cannot hold a record of at most
 * `maxChars` characters in `maxCells` cells (each cell may be quoted, each quote in it doubled,
 * a separator between two), found with indexOf before the text is parsed (ADR 0052). csv-parse's max_record_size counts the
 * characters of cells, not their separators, so a line of 9 million commas passed it: 9 MiB
 * of commas parsed into 9 million empty cells, 4.7 s of a scoring thread and +377 MB of RSS,
 * before the column count or the row length was checked (the dashboard's upload needs no key).
 */
export function checkLineLengths(text: string, maxChars: number, maxCells: number): void {
  const most = 2 * maxChars + 3 * maxCells;
  let start = 0;
  let lf = text.indexOf("\n");
  let cr = text.indexOf("\r");
  for (;;) {
    const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
    if ((end === -1 ? text.length : end) - start > most) {
      const line = text.slice(0, start).split(/\r\n|\r|\n/).length;
      throw new PayloadTooLargeError(
        `Line ${line} of the CSV file is longer than ${maxChars} characters.`,
      );
    }
    if (end === -1) return;
    start = end + 1;
    if (lf < start) lf = text.indexOf("\n", start);
    if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
  }
}
