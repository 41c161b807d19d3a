import { bytes, num } from "../../../format";
import { useTranslation } from "react-i18next";
import { FolderChoice } from "../../../components/FolderChoice";
import { cancelInstall } from "../../../api";
import type { Wizard } from "../useWizard";
import { leaderboardProblem } from "../../rewards/RankProjection";

/** Step 3 of the setup wizard: install. */
export function InstallStep({ w }: { w: Wizard }) {
  const { t } = useTranslation();
  // The same reading of a web address as the leaderboard field (the core refuses it too).
  const sourceProblem = w.folder || w.source.trim() === "official" ? null : leaderboardProblem(w.source);
  const { busy, chooseFolder, created, folder, install, installed, installedFrom, installing, ipfs, progress, releaseWarnings, setFolder, setSource, setStep, source } = w;
  return (
    <div className="step" id="step-install">
      <p>{t("install.intro")}</p>
      <details>
        <summary>{t("install.source")}</summary>
        <label className="field">
          <span>{t("install.sourceLabel")}</span>
          <input
            id="install-source"
            value={source}
            onChange={(e) => {
              setFolder(null);
              setSource(e.target.value);
            }}
            spellCheck={false}
            aria-invalid={sourceProblem !== null}
            disabled={folder !== null}
          />
        </label>
        <FolderChoice id="install-folder" folder={folder} onChoose={() => void chooseFolder()} onClear={() => setFolder(null)} disabled={busy} />
        {sourceProblem && (
          <p className="field-error" id="install-source-error" role="alert">
            {sourceProblem}
          </p>
        )}
      </details>
      {busy && (
        <div className="progress" aria-live="polite">
          <span id="install-what">{t("install.downloading", { what: installing })}</span>
          <progress id="install-progress" max={progress?.total ?? 1} value={progress?.downloaded ?? 0} />
          <span>
            {progress
              ? t("install.progress", { done: bytes(progress.downloaded), total: bytes(progress.total), speed: bytes(progress.bytes_per_sec) }) +
                (progress.eta_secs != null ? t("install.left", { secs: num(Math.ceil(progress.eta_secs)) }) : "")
              : t("install.connecting")}
          </span>
          <button type="button" onClick={() => void cancelInstall()}>
            {t("install.cancel")}
          </button>
        </div>
      )}
      {installed && !busy && (
        <p className="ok" id="install-done">
          {t("install.done", { version: installed })}
        </p>
      )}
      {installed && installedFrom && !busy && (
        <p className="muted" id="install-source-used">
          {t("install.from", { source: installedFrom })}
        </p>
      )}
      {!busy &&
        releaseWarnings.map((r) => (
          <p key={r} className="warning release-warning">
            ⚠ {r}
          </p>
        ))}
      {ipfs && !busy && (
        <p className={ipfs.ok ? "ok" : "warning"} id="ipfs-done" role={ipfs.ok ? undefined : "alert"}>
          {ipfs.ok ? "✓ " : ""}
          {ipfs.text}
        </p>
      )}
      <div className="actions">
        <button id="wizard-install" type="button" className={installed ? undefined : "primary"} onClick={() => void install()} disabled={busy || sourceProblem !== null}>
          {installed ? t("install.newer") : t("install.install")}
        </button>
        <button id="wizard-next-install" className="primary" type="button" onClick={() => setStep(created.length ? 4 : 3)} disabled={!installed || busy}>
          {t("wizard.continue")}
        </button>
      </div>
    </div>
  );
}
