import i18n from "../../i18n";
import { useCallback, useEffect, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
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

// Their names: `report.category.<id>` and `report.severity.<id>` in the catalog.
const CATEGORIES: Category[] = ["install", "node_crash", "performance", "ui", "rewards_rank", "other"];
const SEVERITIES: Severity[] = ["blocker", "major", "minor", "trivial"];

function resultTitle(ds: { status: string }[]): string {
  if (!ds.length) return i18n.t("report.saved");
  if (ds.some((d) => d.status === "sent")) return i18n.t("report.sent");
  if (ds.some((d) => d.status === "queued" || d.status === "sending")) return i18n.t("report.queued");
  if (ds.some((d) => d.status === "manual")) return i18n.t("report.readyGithub");
  return i18n.t("report.refused");
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
  const { t } = useTranslation();
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
      <h2 id="report-title-h">{t("app.tab.report")}</h2>
      <p className="muted">{t("report.intro")}</p>
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
              <strong>{t("report.theError")}</strong> {t("report.on", { screen: form.context.screen || t("report.theApp") })}
              {form.context.action ? t("report.while", { action: form.context.action }) : ""}
              {form.context.node != null ? t("report.ofNode", { id: form.context.node }) : ""}
              <pre>{form.context.error}</pre>
            </div>
          )}
          <label className="field">
            {t("report.title")}
            <input id="report-title" value={form.title} maxLength={200} onChange={(e) => set("title", e.target.value)} aria-invalid={!!problem("title")} aria-describedby="report-title-error" />
          </label>
          {problem("title") && <p className="field-error" id="report-title-error" role="alert">{problem("title")}</p>}
          <label className="field">
            {t("report.what")}
            <textarea id="report-what" rows={4} value={form.what} onChange={(e) => set("what", e.target.value)} aria-invalid={!!problem("what")} aria-describedby="report-what-error" />
          </label>
          {problem("what") && <p className="field-error" id="report-what-error" role="alert">{problem("what")}</p>}
          <label className="field">
            {t("report.expected")}
            <textarea id="report-expected" rows={2} value={form.expected} onChange={(e) => set("expected", e.target.value)} />
          </label>
          <label className="field">
            {t("report.steps")}
            <textarea id="report-steps" rows={3} value={form.steps} onChange={(e) => set("steps", e.target.value)} />
          </label>
          <div className="row">
            <label className="field">
              {t("report.categoryLabel")}
              <select id="report-category" value={form.category} onChange={(e) => set("category", e.target.value as Category)}>
                {CATEGORIES.map((v) => (
                  <option key={v} value={v}>
                    {t(`report.category.${v}`)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              {t("report.severityLabel")}
              <select id="report-severity" value={form.severity} onChange={(e) => set("severity", e.target.value as Severity)}>
                {SEVERITIES.map((v) => (
                  <option key={v} value={v}>
                    {t(`report.severity.${v}`)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {nodeIds.length > 0 && (
            <fieldset className="field" id="report-nodes">
              <legend>{t("report.nodes")}</legend>
              {nodeIds.map((id) => (
                <label key={id} className="inline">
                  <input
                    type="checkbox"
                    checked={form.nodes.includes(id)}
                    onChange={(e) => set("nodes", e.target.checked ? [...form.nodes, id].sort((a, b) => a - b) : form.nodes.filter((n) => n !== id))}
                  />{" "}
                  {t("dash.node", { id })}
                </label>
              ))}
            </fieldset>
          )}
          {problem("nodes") && <p className="field-error" role="alert">{problem("nodes")}</p>}
          <label className="field">
            {t("report.contact")}
            <input id="report-contact" value={form.contact} onChange={(e) => set("contact", e.target.value)} aria-invalid={!!problem("contact")} aria-describedby="report-contact-error" />
          </label>
          {problem("contact") && <p className="field-error" id="report-contact-error" role="alert">{problem("contact")}</p>}
          <div className="field">
            <span>{t("report.attachments")}</span>
            <ul className="attachments">
              {form.attachments.map((a) => (
                <li key={a} title={chosen[a]?.shown}>
                  {chosen[a]?.shown ?? a}{" "}
                  <button type="button" className="small" onClick={() => set("attachments", form.attachments.filter((x) => x !== a))}>
                    {t("destinations.remove")}
                  </button>
                </li>
              ))}
            </ul>
            <div className="actions">
              <button type="button" className="small" onClick={() => void attach()}>
                {t("report.addFiles")}
              </button>
            </div>
          </div>
          {problem("attachments") && <p className="field-error" role="alert">{problem("attachments")}</p>}
          <div className="actions">
            <button type="submit" className="primary" id="report-prepare" disabled={step === "preparing"}>
              {step === "preparing" ? t("report.gathering") : t("report.next")}
            </button>
          </div>
          {step === "preparing" && <progress aria-label={t("report.gatheringLabel")} />}
        </form>
      )}
      {(step === "preview" || step === "sending") && draft && (
        <div className="card report-preview" id="report-preview">
          <h3>{t("report.willBeSent")}</h3>
          <p id="report-summary">{t("report.summary", { files: kept.length, size: bytes(total), count: removed })}</p>
          <table className="files">
            <thead>
              <tr>
                <th scope="col">{t("report.colSend")}</th>
                <th scope="col">{t("report.colFile")}</th>
                <th scope="col">{t("report.colSize")}</th>
                <th scope="col">{t("report.colSecrets")}</th>
                <th scope="col"></th>
              </tr>
            </thead>
            <tbody>
              {draft.files.map((f) => (
                <tr key={f.path} data-path={f.path} className={leaveOut.includes(f.path) ? "left-out" : ""}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t("report.sendFile", { path: f.path })}
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
                      {t("report.view")}
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
                  {t("report.close")}
                </button>
              </div>
              <pre id="report-file-view" tabIndex={0}>{viewing.text}</pre>
            </div>
          )}
          <p className="muted">
            <Trans i18nKey="report.savedIn" values={{ dir: draft.dir }} components={{ code: <code /> }} />
          </p>
          <div className="actions">
            <button type="button" onClick={() => setStep("form")} disabled={step === "sending"}>
              {t("report.back")}
            </button>
            <button type="button" id="report-save-only" onClick={() => void send(true)} disabled={step === "sending"}>
              {t("report.saveOnly")}
            </button>
            {hasDestination ? (
              <button type="button" className="primary" id="report-send" onClick={() => void send(false)} disabled={step === "sending"}>
                {step === "sending" ? t("report.sending") : t("report.send")}
              </button>
            ) : (
              <span className="muted">{t("report.noDestination")}</span>
            )}
          </div>
        </div>
      )}
      {step === "done" && result && (
        <div className="card" id="report-result">
          <h3>{resultTitle(deliveries)}</h3>
          <p>
            <Trans i18nKey="report.savedAs" values={{ bundle: result.bundle }} components={{ code: <code /> }} />
          </p>
          <ul>
            {deliveries.map((d) => (
              <li key={d.id} className={`delivery status-${d.status}`}>
                {deliveryText(d)}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => { setForm(empty(null)); setStep("form"); }}>
            {t("report.another")}
          </button>
        </div>
      )}
      <ReportHistoryList history={history} />
    </section>
  );
}
