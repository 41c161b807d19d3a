import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { ErrorBox } from "./ErrorBox";
import { autostartEnabled, errorMessage, setAutostart } from "../api";

/** "Start my nodes when I log in": a login item running the app's daemon (for machines whose
 * nodes the app's supervisor runs; with OS services they come back by themselves). */
export function Autostart() {
  const { t } = useTranslation();
  const [on, setOn] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    autostartEnabled().then(setOn, () => setOn(null));
  }, []);
  return (
    <div className="field autostart" id="autostart">
      <label className="check">
        <input
          type="checkbox"
          checked={on === true}
          disabled={on === null}
          onChange={(e) => {
            const want = e.target.checked;
            setError(null);
            setAutostart(want).then(setOn, (err) => setError(errorMessage(err)));
          }}
        />
        {t("autostart.nodes")}
      </label>
      {error && <ErrorBox message={error} action="Start my nodes when I log in" />}
    </div>
  );
}
