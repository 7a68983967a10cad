import { PayloadTooLargeError } from "~/lib/errors.server";

/**
 * A 413 for a record that cannot hold at most `maxChars` characters in `maxCells` cells (each
 * cell may be quoted, each quote in it doubled, a separator between two), found before the
 * text is parsed (ADR 0052). csv-parse's max_record_size counts the characters of cells, not
 * their separators, so a record of millions of empty cells passed it and was built in full
 * before the column count was checked. A record ends at a line break outside quotes: a quoted
 * cell with a line break in it continues the record on the next physical line, so text with
 * quotes is scanned quote-aware; text without them record = line, found with indexOf.
 */
export function checkLineLengths(text: string, maxChars: number, maxCells: number): void {
  const most = 2 * maxChars + 3 * maxCells;
  if (text.indexOf('"') === -1) return checkPlainLines(text, most, maxChars);
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      // A doubled quote is a quote in the cell; a single one closes it.
      if (c === 34) {
        if (text.charCodeAt(i + 1) === 34) i++;
        else quoted = false;
      }
    } else if (c === 34) {
      // Only a quote that starts a cell opens one (csv-parse refuses any other, with its own
      // 400): a stray quote in a plain cell must not join the lines after it into one record.
      if (
        i === start ||
        text.charCodeAt(i - 1) === 44 ||
        (i === 1 && text.charCodeAt(0) === 0xfeff)
      )
        quoted = true;
    } else if (c === 10 || c === 13) {
      if (i - start > most) tooLong(text, start, maxChars);
      start = i + 1;
    }
  }
  if (text.length - start > most) tooLong(text, start, maxChars);
}

function checkPlainLines(text: string, most: number, maxChars: number): void {
  let start = 0;
  let lf = text.indexOf("\n");
  let cr = text.indexOf("\r");
  for (;;) {
    const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
    if ((end === -1 ? text.length : end) - start > most) tooLong(text, start, maxChars);
    if (end === -1) return;
    start = end + 1;
    if (lf < start) lf = text.indexOf("\n", start);
    if (cr !== -1 && cr < start) cr = text.indexOf("\r", start);
  }
}

function tooLong(text: string, start: number, maxChars: number): never {
  const line = text.slice(0, start).split(/\r\n|\r|\n/).length;
  throw new PayloadTooLargeError(
    `Line ${line} of the CSV file is longer than ${maxChars} characters.`,
  );
}
