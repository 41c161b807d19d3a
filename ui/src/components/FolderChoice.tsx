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
  return (
    <div className="row">
      <button type="button" id={id} onClick={onChoose} disabled={disabled}>
        Use a folder on this computer…
      </button>
      {folder && (
        <span id={id && `${id}-chosen`}>
          Folder: <code>{folder.shown}</code>{" "}
          <button type="button" className="small" onClick={onClear} aria-label="Use the address instead of the folder">
            ✕
          </button>
        </span>
      )}
    </div>
  );
}
