// parseCsvRecords' fast path: most uploads are plain lines (no line break inside a cell, cells
// quoted whole at most, as spreadsheets and R write them), which csv-parse reads cell by cell
// through a buffer of its own, the upload's largest cost (ADR 0063). Such a file is split
// here into the same records; anything else, and anything csv-parse would refuse or stop at,
// is left to csv-parse, which answers it as before.

export type CsvLimits = { maxRows: number; maxColumns: number; maxCell: number; maxLine: number };

const QUOTE = 0x22;
const COMMA = 0x2c;

const FIELD = (value: string) => ({ value, enumerable: true, writable: true, configurable: true });

/** A line break that is not part of a "\r\n". */
export const LONE_CR_OR_LF = /\r(?!\n)|(?<!\r)\n/;

/**
 * The line break csv-parse would find first: it takes the first "\r\n", "\n" or "\r" it meets
 * as the file's only one. Undefined for a lone "\r", or when the text mixes kinds.
 */
function plainNewline(text: string): "\n" | "\r\n" | undefined {
  const at = text.search(/[\r\n]/);
  if (at === -1) return undefined;
  if (text[at] === "\n") return text.includes("\r") ? undefined : "\n";
  return text[at + 1] === "\n" && !LONE_CR_OR_LF.test(text) ? "\r\n" : undefined;
}

/**
 * A file of plain lines, checked: its header, its data lines, and the record every line
 * becomes a copy of.
 */
export type PlainCsv = { columns: string[]; lines: string[]; template: Record<string, string> };

/**
 * `text` as plain lines when csv-parse would read it so: one kind of line break, none inside
 * a cell, quotes only around whole cells (doubled inside them), a valid header, and
 * every line as wide as the header within every limit; undefined otherwise (csv-parse then
 * decides). plainRecords builds the records csv-parse gives (bom, skip_empty_lines, the
 * header trimmed into the keys), a slice at a time if need be.
 */
export function plainCsv(text: string, limits: CsvLimits): PlainCsv | undefined {
  if (text.charCodeAt(0) === 0xfeff) return undefined;
  const newline = plainNewline(text);
  if (!newline) return undefined;
  // Line by line, stopping at the first line it cannot take: a 10 MB file of 5 million tiny
  // lines is not split whole before its row count is refused (ADR 0030).
  const next = nonEmptyLines(text, newline);
  const first = next();
  const header = first === undefined ? undefined : cellsOf(first, limits);
  if (!header || header.length > limits.maxColumns) return undefined;
  const columns = header.map((h) => h.trim());
  if (columns.includes("") || new Set(columns).size !== columns.length) return undefined;
  const lines: string[] = [];
  for (let line = next(); line !== undefined; line = next()) {
    if (lines.length === limits.maxRows) return undefined;
    if (cellsOf(line, limits)?.length !== columns.length) return undefined;
    lines.push(line);
  }
  return lines.length > 0 ? { columns, lines, template: recordTemplate(columns) } : undefined;
}

/** The lines of `text` one at a time, empty ones skipped; undefined after the last. */
function nonEmptyLines(text: string, newline: string) {
  let start = 0;
  return (): string | undefined => {
    while (start <= text.length) {
      const found = text.indexOf(newline, start);
      const end = found === -1 ? text.length : found;
      const line = text.slice(start, end);
      start = end + newline.length;
      if (line !== "") return line;
    }
    return undefined;
  };
}

/**
 * One object with every key, defined as csv-parse defines them (own properties: a column may
 * be named "__proto__"). Records are copies of it: adding 80 keys to each record one by one
 * made V8 keep it as a dictionary, far larger than a csv-parse record (ADR 0063).
 */
function recordTemplate(columns: readonly string[]): Record<string, string> {
  const template: Record<string, string> = {};
  for (const c of columns) Object.defineProperty(template, c, FIELD(""));
  return template;
}

/** The records of data lines `start` to `end` of a checked plain file. */
export function plainRecords(plain: PlainCsv, start: number, end: number) {
  const { columns, lines, template } = plain;
  return lines.slice(start, end).map((line) => {
    const cells = splitCells(line)!; // checked by plainCsv
    const record = { ...template }; // the template's shape: no key added, values replaced
    for (let i = 0; i < columns.length; i++) record[columns[i]] = cells[i];
    return record;
  });
}

/**
 * A line's cells, unquoted; undefined past a limit (csv-parse counts a record's characters
 * without quotes: a raw line within the limit is within it), or for a quote csv-parse would
 * refuse or read across lines: only a cell quoted whole, its quotes doubled, is read.
 */
function cellsOf(line: string, { maxCell, maxLine }: CsvLimits): string[] | undefined {
  if (line.length > maxLine) return undefined;
  const cells = splitCells(line);
  return cells?.every((cell) => cell.length <= maxCell) ? cells : undefined;
}

const splitCells = (line: string) => (line.includes('"') ? quotedCells(line) : line.split(","));

function quotedCells(line: string): string[] | undefined {
  const cells: string[] = [];
  for (let at = 0; ; at++) {
    if (line.charCodeAt(at) === QUOTE) {
      let cell = "";
      for (let from = at + 1; ;) {
        const quote = line.indexOf('"', from);
        if (quote === -1) return undefined; // closed on a later line, or never
        cell += line.slice(from, quote);
        if (line.charCodeAt(quote + 1) !== QUOTE) {
          at = quote + 1;
          break;
        }
        cell += '"'; // a doubled quote
        from = quote + 2;
      }
      if (at < line.length && line.charCodeAt(at) !== COMMA) return undefined;
      cells.push(cell);
    } else {
      const comma = line.indexOf(",", at);
      const end = comma === -1 ? line.length : comma;
      const cell = line.slice(at, end);
      if (cell.includes('"')) return undefined; // a quote inside an unquoted cell
      cells.push(cell);
      at = end;
    }
    if (at >= line.length) return cells;
  }
}
