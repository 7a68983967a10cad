import { useEffect, useState } from "react";

/**
 * A code example that wraps to the screen (a phone shows it whole, no sideways scroll) with a
 * copy button. The button needs the clipboard API, so it appears only once JavaScript runs;
 * a polite live region says whether the copy worked.
 */
export function CodeBlock({ code, label }: { code: string; label: string }) {
  const [ready, setReady] = useState(false);
  const [status, setStatus] = useState("");
  useEffect(() => setReady(typeof navigator !== "undefined" && !!navigator.clipboard), []);

  async function copy() {
    try {
      await navigator.clipboard.writeText(code);
      setStatus(`Copied: ${label}`);
    } catch {
      setStatus("Could not copy: select the text and copy it by hand.");
    }
  }

  return (
    <div className="relative mt-2">
      <pre className="whitespace-pre-wrap rounded-lg bg-slate-900 p-3 pr-20 font-mono text-xs leading-relaxed text-slate-100 [overflow-wrap:anywhere]">
        <code>{code}</code>
      </pre>
      {ready ? (
        <button
          type="button"
          onClick={copy}
          aria-label={`Copy: ${label}`}
          className="absolute right-2 top-2 rounded-md bg-slate-700 px-2.5 py-1.5 text-xs font-semibold text-white hover:bg-slate-600 focus:outline-none focus-visible:ring-2 focus-visible:ring-white"
        >
          Copy
        </button>
      ) : null}
      <p role="status" className="sr-only">
        {status}
      </p>
    </div>
  );
}
