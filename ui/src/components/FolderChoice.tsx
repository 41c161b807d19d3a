import { useTranslation } from "react-i18next";
import type { ChosenPath } from "../bindings/ChosenPath";

/** "Use a folder on this computer…" for a release source, and the folder chosen (with ✕ to go
 * back to the address). The choosing is the caller's (the shell's dialog, through a token). */
export function FolderChoice({
  folder,
  onChoose,
  onClear,
  disabled,
  id,
}: {
  folder: ChosenPath | null;
  onChoose: () => void;
  onClear: () => void;
  disabled: boolean;
  id?: string;
}) {
  const { t } = useTranslation();
  return (
    <div className="row">
      <button type="button" id={id} onClick={onChoose} disabled={disabled}>
        {t("folder.use")}
      </button>
      {folder && (
        <span id={id && `${id}-chosen`}>
          {t("folder.chosen")} <code>{folder.shown}</code>{" "}
          <button type="button" className="small" onClick={onClear} aria-label={t("folder.clear")}>
            ✕
          </button>
        </span>
      )}
    </div>
  );
}
