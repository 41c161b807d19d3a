//! The native file dialog, opened by the shell for a purpose the page names: the page gets a
//! token for what the user chose, never sends a path of its own (see `cortensor_api::paths`).

use cortensor_api::paths::{self, ChosenPath, DialogKind, PathPurpose};
use cortensor_api::UserError;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_dialog::{DialogExt, FilePath};

use crate::AppState;

/// Open the dialog for `purpose` over the main window; what was chosen (nothing: cancelled).
#[tauri::command(async)]
pub fn choose_path(
    purpose: PathPurpose,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Vec<ChosenPath>, UserError> {
    let spec = paths::dialog_for(purpose);
    let mut d = app.dialog().file().set_title(spec.title);
    if let Some(w) = app.get_webview_window("main") {
        d = d.set_parent(&w);
    }
    for (name, exts) in &spec.filters {
        d = d.add_filter(*name, exts);
    }
    let picked: Vec<FilePath> = match spec.kind {
        DialogKind::Save { default_name } => d
            .set_file_name(default_name)
            .blocking_save_file()
            .into_iter()
            .collect(),
        DialogKind::OpenFile => d.blocking_pick_file().into_iter().collect(),
        DialogKind::OpenFiles => d.blocking_pick_files().unwrap_or_default(),
        DialogKind::Folder => d.blocking_pick_folder().into_iter().collect(),
    };
    picked
        .into_iter()
        .map(|f| {
            f.into_path()
                .map(|p| state.grants.grant(purpose, &p))
                .map_err(|e| UserError::new(format!("the dialog gave no usable path: {e}")))
        })
        .collect()
}
