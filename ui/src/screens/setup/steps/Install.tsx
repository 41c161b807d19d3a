import { bytes } from "../../../format";
import { FolderChoice } from "../../../components/FolderChoice";
import { cancelInstall } from "../../../api";
import type { Wizard } from "../useWizard";
import { leaderboardProblem } from "../../rewards/RankProjection";

/** Step 3 of the setup wizard: install. */
export function InstallStep({ w }: { w: Wizard }) {
  // The same reading of a web address as the leaderboard field (the core refuses it too).
  const sourceProblem = w.folder || w.source.trim() === "official" ? null : leaderboardProblem(w.source);
  const { busy, chooseFolder, created, folder, install, installed, installedFrom, installing, ipfs, progress, releaseWarnings, setFolder, setSource, setStep, source } = w;
  return (
    <div className="step" id="step-install">
      <p>
        cortensord is downloaded from Cortensor's official distribution, and IPFS (kubo) from its publisher; each is checked against its published checksum
        before it is used.
      </p>
      <details>
        <summary>Download source</summary>
        <label className="field">
          <span>Release source (official, or a mirror's manifest URL)</span>
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
          <span id="install-what">Downloading {installing}</span>
          <progress id="install-progress" max={progress?.total ?? 1} value={progress?.downloaded ?? 0} />
          <span>
            {progress
              ? `${bytes(progress.downloaded)} of ${bytes(progress.total)} · ${bytes(progress.bytes_per_sec)}/s${progress.eta_secs != null ? ` · ${Math.ceil(progress.eta_secs)} s left` : ""}`
              : "Connecting…"}
          </span>
          <button type="button" onClick={() => void cancelInstall()}>
            Cancel
          </button>
        </div>
      )}
      {installed && !busy && (
        <p className="ok" id="install-done">
          ✓ cortensord {installed} is installed and verified.
        </p>
      )}
      {installed && installedFrom && !busy && (
        <p className="muted" id="install-source-used">
          From {installedFrom}.
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
          {installed ? "Check for a newer version" : "Install"}
        </button>
        <button id="wizard-next-install" className="primary" type="button" onClick={() => setStep(created.length ? 4 : 3)} disabled={!installed || busy}>
          Continue
        </button>
      </div>
    </div>
  );
}
