import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { UserError } from "../bindings/UserError";
import { appAutostart, asUserError, setAppAutostart } from "../api";
import { ErrorBox } from "./ErrorBox";

/** "Open the app when I log in": off until the user turns it on; the app then waits in the tray. */
export function AppAutostart() {
  const { t } = useTranslation();
  const [on, setOn] = useState<boolean | null>(null);
  const [error, setError] = useState<UserError | null>(null);
  useEffect(() => {
    appAutostart().then((v) => setOn(!!v), (e) => setError(asUserError(e)));
  }, []);
  async function change(want: boolean) {
    setError(null);
    try {
      setOn(await setAppAutostart(want));
    } catch (e) {
      setError(asUserError(e));
    }
  }
  return (
    <div className="app-autostart">
      <label className="check">
        <input type="checkbox" id="app-autostart" checked={on ?? false} disabled={on === null} onChange={(e) => void change(e.target.checked)} />
        {t("autostart.app")}
      </label>
      {error && <ErrorBox error={error} action="Change opening at login" />}
    </div>
  );
}
