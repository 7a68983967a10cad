// The header row shared by the dashboard's data tables (batch preview/errors, model card).
export type Column = string | { label: string; numeric?: boolean };

export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead className="border-b border-slate-200 text-xs uppercase text-slate-600">
      <tr>
        {columns.map((column, i) => {
          const { label, numeric } = typeof column === "string" ? { label: column } : column;
          const last = i === columns.length - 1;
          const className = ["py-2", last ? "" : "pr-3", numeric ? "text-right" : ""]
            .filter(Boolean)
            .join(" ");
          return (
            <th key={label} scope="col" className={className}>
              {label}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}
