import { useCallback, useEffect, useState } from "react";
import type { ReportForm } from "../../bindings/ReportForm";
import type { ErrorContext } from "../../bindings/ErrorContext";
import type { Category } from "../../bindings/Category";
import type { Severity } from "../../bindings/Severity";
import type { FieldProblem } from "../../bindings/FieldProblem";
import type { Draft } from "../../bindings/Draft";
import type { ReportResult } from "../../bindings/ReportResult";
import type { UserError } from "../../bindings/UserError";
import type { ChosenPath } from "../../bindings/ChosenPath";
import { asUserError, choosePath, machineStatus, reportCheck, reportDestinations, reportPrepare, reportSubmit, reportView } from "../../api";
import { ErrorBox } from "../../components/ErrorBox";
import { ReportHistoryList, useReportHistory } from "./ReportHistory";
import { bytes, deliveryText } from "./words";

const CATEGORIES: [Category, string][] = [
  ["install", "Install"],
  ["node_crash", "Node crash"],
  ["performance", "Performance"],
  ["ui", "The app (UI)"],
  ["rewards_rank", "Rewards / rank"],
  ["other", "Other"],
];
const SEVERITIES: [Severity, string][] = [
  ["blocker", "Blocker: nodes cannot run or earn"],
  ["major", "Major"],
  ["minor", "Minor"],
  ["trivial", "Trivial: a wording, a suggestion"],
];

function resultTitle(ds: { status: string }[]): string {
  if (!ds.length) return "Report saved";
  if (ds.some((d) => d.status === "sent")) return "Report sent";
  if (ds.some((d) => d.status === "queued" || d.status === "sending")) return "Report queued";
  if (ds.some((d) => d.status === "manual")) return "Report ready for GitHub";
  return "Report refused";
}

function empty(context: ErrorContext | null): ReportForm {
  return {
    title: context ? `Error: ${context.error.split("\n")[0].slice(0, 120)}` : "",
    what: "",
    expected: "",
    steps: "",
    category: context?.screen === "Setup" || context?.screen === "Stress test" ? "install" : context?.screen === "Rewards & Rank" ? "rewards_rank" : "other",
    severity: "minor",
    nodes: context?.node != null ? [context.node] : [],
    contact: "",
    attachments: [],
    context,
  };
}

/** The Report screen: the form (checked field by field), then a preview of exactly what goes
 * (every file viewable, any left out), then where it went; the history below. */
export function ReportScreen({ prefill }: { prefill: ErrorContext | null }) {
  const [form, setForm] = useState<ReportForm>(() => empty(prefill));
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  // Files chosen in the shell's dialog, by token (the form carries the tokens, never paths).
  const [chosen, setChosen] = useState<Record<string, ChosenPath>>({});
  const [nodeIds, setNodeIds] = useState<number[]>([]);
  const [step, setStep] = useState<"form" | "preparing" | "preview" | "sending" | "done">("form");
  const [draft, setDraft] = useState<Draft | null>(null);
  const [leaveOut, setLeaveOut] = useState<string[]>([]);
  const [viewing, setViewing] = useState<{ path: string; text: string } | null>(null);
  const [result, setResult] = useState<ReportResult | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  const [hasDestination, setHasDestination] = useState(true);
  const [historyKey, setHistoryKey] = useState(0);
  const history = useReportHistory(historyKey);

  useEffect(() => {
    setForm(empty(prefill));
    setStep("form");
    setProblems([]);
  }, [prefill]);
  useEffect(() => {
    machineStatus().then((s) => setNodeIds(s.nodes.map((n) => n.spec.id)), () => {});
    reportDestinations().then((d) => setHasDestination(!!(d.endpoint || d.discord || d.github)), () => {});
  }, []);

  const set = <K extends keyof ReportForm>(k: K, v: ReportForm[K]) => {
    setForm((f) => ({ ...f, [k]: v }));
    setProblems((p) => p.filter((x) => x.field !== k));
  };
  const problem = (field: string) => problems.filter((p) => p.field === field).map((p) => p.message).join(" ");

  const prepare = useCallback(async () => {
    setError(null);
    try {
      const p = await reportCheck(form);
      setProblems(p);
      if (p.length) return;
      setStep("preparing");
      const d = await reportPrepare(form);
      setDraft(d);
      setLeaveOut([]);
      setViewing(null);
      setStep("preview");
    } catch (e) {
      setError(asUserError(e));
      setStep("form");
    }
  }, [form]);

  async function view(path: string) {
    if (!draft) return;
    try {
      setViewing({ path, text: await reportView(draft.id, path) });
    } catch (e) {
      setError(asUserError(e));
    }
  }

  async function send(saveOnly: boolean) {
    if (!draft) return;
    setError(null);
    setStep("sending");
    try {
      setResult(await reportSubmit(draft.id, leaveOut, saveOnly));
      setStep("done");
      setHistoryKey((k) => k + 1);
    } catch (e) {
      setError(asUserError(e));
      setStep("preview");
    }
  }

  async function attach() {
    const picked = await choosePath("attachments").catch(() => [] as ChosenPath[]);
    // The same file chosen twice is attached once.
    const shown = new Set(form.attachments.map((t) => chosen[t]?.shown));
    const fresh = picked.filter((p) => !shown.has(p.shown));
    if (!fresh.length) return;
    setChosen((c) => ({ ...c, ...Object.fromEntries(fresh.map((p) => [p.token, p])) }));
    set("attachments", [...form.attachments, ...fresh.map((p) => p.token)]);
  }

  // The result follows the outbox: the history's copy of this report, once it is read.
  const deliveries = history.h?.reports.find((r) => r.id === result?.id)?.deliveries ?? result?.deliveries ?? [];
  const kept = draft?.files.filter((f) => !leaveOut.includes(f.path)) ?? [];
  const total = kept.reduce((a, f) => a + f.size, 0);
  const removed = kept.reduce((a, f) => a + f.redactions, 0);

  return (
    <section className="report" aria-labelledby="report-title-h">
      <h2 id="report-title-h">Report a problem</h2>
      <p className="muted">
        Helpful reports count toward the contest's ranking. The app attaches diagnostics (system, nodes' settings and log ends, alerts) with every key, RPC key,
        token and e-mail address removed; you see every file before anything goes.
      </p>
      {error && <ErrorBox error={error} action="Report a problem" />}
      {(step === "form" || step === "preparing") && (
        <form
          className="card report-form"
          id="report-form"
          onSubmit={(e) => {
            e.preventDefault();
            void prepare();
          }}
        >
          {form.context && (
            <div className="report-context" id="report-context">
              <strong>The error</strong> on {form.context.screen || "the app"}
              {form.context.action ? `, while: ${form.context.action}` : ""}
              {form.context.node != null ? ` (node ${form.context.node})` : ""}
              <pre>{form.context.error}</pre>
            </div>
          )}
          <label className="field">
            Title
            <input id="report-title" value={form.title} maxLength={200} onChange={(e) => set("title", e.target.value)} aria-invalid={!!problem("title")} aria-describedby="report-title-error" />
          </label>
          {problem("title") && <p className="field-error" id="report-title-error" role="alert">{problem("title")}</p>}
          <label className="field">
            What happened
            <textarea id="report-what" rows={4} value={form.what} onChange={(e) => set("what", e.target.value)} aria-invalid={!!problem("what")} aria-describedby="report-what-error" />
          </label>
          {problem("what") && <p className="field-error" id="report-what-error" role="alert">{problem("what")}</p>}
          <label className="field">
            What you expected
            <textarea id="report-expected" rows={2} value={form.expected} onChange={(e) => set("expected", e.target.value)} />
          </label>
          <label className="field">
            Steps to make it happen again
            <textarea id="report-steps" rows={3} value={form.steps} onChange={(e) => set("steps", e.target.value)} />
          </label>
          <div className="row">
            <label className="field">
              Category
              <select id="report-category" value={form.category} onChange={(e) => set("category", e.target.value as Category)}>
                {CATEGORIES.map(([v, l]) => (
                  <option key={v} value={v}>{l}</option>
                ))}
              </select>
            </label>
            <label className="field">
              Severity
              <select id="report-severity" value={form.severity} onChange={(e) => set("severity", e.target.value as Severity)}>
                {SEVERITIES.map(([v, l]) => (
                  <option key={v} value={v}>{l}</option>
                ))}
              </select>
            </label>
          </div>
          {nodeIds.length > 0 && (
            <fieldset className="field" id="report-nodes">
              <legend>Nodes concerned (none ticked: all)</legend>
              {nodeIds.map((id) => (
                <label key={id} className="inline">
                  <input
                    type="checkbox"
                    checked={form.nodes.includes(id)}
                    onChange={(e) => set("nodes", e.target.checked ? [...form.nodes, id].sort((a, b) => a - b) : form.nodes.filter((n) => n !== id))}
                  />{" "}
                  Node {id}
                </label>
              ))}
            </fieldset>
          )}
          {problem("nodes") && <p className="field-error" role="alert">{problem("nodes")}</p>}
          <label className="field">
            Contact (optional: your Discord handle or e-mail, for questions)
            <input id="report-contact" value={form.contact} onChange={(e) => set("contact", e.target.value)} aria-invalid={!!problem("contact")} aria-describedby="report-contact-error" />
          </label>
          {problem("contact") && <p className="field-error" id="report-contact-error" role="alert">{problem("contact")}</p>}
          <div className="field">
            <span>Attachments (optional; text files are checked for secrets too)</span>
            <ul className="attachments">
              {form.attachments.map((a) => (
                <li key={a} title={chosen[a]?.shown}>
                  {chosen[a]?.shown ?? a}{" "}
                  <button type="button" className="small" onClick={() => set("attachments", form.attachments.filter((x) => x !== a))}>
                    Remove
                  </button>
                </li>
              ))}
            </ul>
            <div className="actions">
              <button type="button" className="small" onClick={() => void attach()}>
                Add files…
              </button>
            </div>
          </div>
          {problem("attachments") && <p className="field-error" role="alert">{problem("attachments")}</p>}
          <div className="actions">
            <button type="submit" className="primary" id="report-prepare" disabled={step === "preparing"}>
              {step === "preparing" ? "Gathering diagnostics…" : "Next: see what will be sent"}
            </button>
          </div>
          {step === "preparing" && <progress aria-label="Gathering diagnostics" />}
        </form>
      )}
      {(step === "preview" || step === "sending") && draft && (
        <div className="card report-preview" id="report-preview">
          <h3>What will be sent</h3>
          <p id="report-summary">
            {kept.length} files · {bytes(total)} before compression · {removed} {removed === 1 ? "secret" : "secrets"} removed. Untick a file to leave it out.
          </p>
          <table className="files">
            <thead>
              <tr>
                <th scope="col">Send</th>
                <th scope="col">File</th>
                <th scope="col">Size</th>
                <th scope="col">Secrets removed</th>
                <th scope="col"></th>
              </tr>
            </thead>
            <tbody>
              {draft.files.map((f) => (
                <tr key={f.path} data-path={f.path} className={leaveOut.includes(f.path) ? "left-out" : ""}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Send ${f.path}`}
                      checked={!leaveOut.includes(f.path)}
                      disabled={f.path === "report.md"}
                      onChange={(e) => setLeaveOut((l) => (e.target.checked ? l.filter((p) => p !== f.path) : [...l, f.path]))}
                    />
                  </td>
                  <td>
                    <code>{f.path}</code>
                    {f.truncated && <div className="muted small">{f.truncated}</div>}
                  </td>
                  <td>{bytes(f.size)}</td>
                  <td className="redactions">{f.redactions}</td>
                  <td>
                    <button type="button" className="small" onClick={() => void view(f.path)}>
                      View
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {viewing && (
            <div className="file-view">
              <div className="card-top">
                <strong>{viewing.path}</strong>
                <button type="button" className="small" onClick={() => setViewing(null)}>
                  Close
                </button>
              </div>
              <pre id="report-file-view" tabIndex={0}>{viewing.text}</pre>
            </div>
          )}
          <p className="muted">
            Everything stays saved on this computer in <code>{draft.dir}</code>.
          </p>
          <div className="actions">
            <button type="button" onClick={() => setStep("form")} disabled={step === "sending"}>
              Back
            </button>
            <button type="button" id="report-save-only" onClick={() => void send(true)} disabled={step === "sending"}>
              Save only
            </button>
            {hasDestination ? (
              <button type="button" className="primary" id="report-send" onClick={() => void send(false)} disabled={step === "sending"}>
                {step === "sending" ? "Sending…" : "Send report"}
              </button>
            ) : (
              <span className="muted">No destination set yet: add one in Settings → Bug reports, or save it and attach the zip yourself.</span>
            )}
          </div>
        </div>
      )}
      {step === "done" && result && (
        <div className="card" id="report-result">
          <h3>{resultTitle(deliveries)}</h3>
          <p>
            Saved as <code>{result.bundle}</code>.
          </p>
          <ul>
            {deliveries.map((d) => (
              <li key={d.id} className={`delivery status-${d.status}`}>
                {deliveryText(d)}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => { setForm(empty(null)); setStep("form"); }}>
            Report something else
          </button>
        </div>
      )}
      <ReportHistoryList history={history} />
    </section>
  );
}
