//! The app's own updates: tauri-plugin-updater against the release's `latest.json` for the
//! channel in Settings; every artifact must carry a minisign signature by the key in
//! `tauri.conf.json` (`plugins.updater.pubkey`), else it is refused and nothing changes. Found
//! updates show in Settings and the tray; the download reports its progress; the installed
//! update runs from the next start.
//!
//! Debug builds only (the tests' builds): `CORTENSOR_MANAGER_APP_FEED` names another feed,
//! `CORTENSOR_MANAGER_APP_UPDATE_KEY` another public key, and
//! `CORTENSOR_MANAGER_APP_INSTALL_PATH` the file an update replaces (a stand-in AppImage);
//! release builds ignore them.

use std::sync::Mutex;

use cortensor_api::desktop::{
    app_feed_url, debug_var, update_failure, AppUpdate, AppUpdateProgress,
};
use cortensor_api::{events, UserError};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_updater::{Error as UpdaterError, Update, UpdaterExt};

use crate::AppState;

/// The update found by the last check (downloaded and installed by [`install`]), and whether
/// one was installed (it runs from the next start).
#[derive(Default)]
pub struct Updates {
    found: Mutex<Option<Update>>,
    installed: Mutex<Option<String>>,
}

fn updater(app: &AppHandle) -> Result<tauri_plugin_updater::Updater, UserError> {
    let session = &app.state::<AppState>().session;
    let feed = app_feed_url(session);
    let url = feed
        .parse()
        .map_err(|e| UserError::new(format!("the update feed '{feed}' is not an address: {e}")))?;
    let mut b = app
        .updater_builder()
        .endpoints(vec![url])
        .map_err(|e| UserError::new(format!("the update feed '{feed}': {e}")))?;
    if let Some(key) = debug_var("CORTENSOR_MANAGER_APP_UPDATE_KEY") {
        b = b.pubkey(key);
    }
    if let Some(path) = debug_var("CORTENSOR_MANAGER_APP_INSTALL_PATH") {
        b = b.executable_path(path);
    }
    b.build()
        .map_err(|e| UserError::new(format!("cannot check for app updates here: {e}")))
}

fn is_signature(e: &UpdaterError) -> bool {
    matches!(
        e,
        UpdaterError::Minisign(_)
            | UpdaterError::Base64(_)
            | UpdaterError::SignatureUtf8(_)
            | UpdaterError::SignedVersionMismatch { .. }
            | UpdaterError::MissingSignedVersion
    )
}

fn state(app: &AppHandle, found: Option<&Update>) -> AppUpdate {
    let updates = app.state::<Updates>();
    let installed = updates
        .installed
        .lock()
        .map(|i| i.clone())
        .unwrap_or_default();
    AppUpdate {
        current: app.package_info().version.to_string(),
        available: installed
            .clone()
            .or_else(|| found.map(|u| u.version.clone())),
        notes: found.and_then(|u| u.body.clone()),
        installed: installed.is_some(),
    }
}

/// What the last check found (the daily one, the tray's, or Settings'), without asking the
/// feed again: Settings shows "Update available" when it opens.
pub fn known(app: &AppHandle) -> AppUpdate {
    state(app, found(app).as_ref())
}

/// The update the last check found, if any.
fn found(app: &AppHandle) -> Option<Update> {
    app.state::<Updates>()
        .found
        .lock()
        .ok()
        .and_then(|f| f.clone())
}

/// Ask the feed whether a newer app exists (the tray shows it: `tray::check_app_update`).
pub async fn check(app: &AppHandle) -> Result<AppUpdate, UserError> {
    let found = updater(app)?.check().await.map_err(|e| {
        tracing::warn!("app update check: {e}");
        UserError::new(format!("could not check for app updates: {e}"))
    })?;
    let shown = state(app, found.as_ref());
    if let Some(u) = &found {
        tracing::info!("app update {} available", u.version);
    }
    if let Ok(mut f) = app.state::<Updates>().found.lock() {
        *f = found;
    }
    Ok(shown)
}

/// Download the update found by [`check`] (progress as `app-update-progress` events), check
/// its signature, and install it; it runs from the next start.
pub async fn install(app: &AppHandle) -> Result<AppUpdate, UserError> {
    let Some(update) = found(app) else {
        return Err(UserError::new(
            "there is no app update to install: check for updates first",
        ));
    };
    let mut downloaded = 0u64;
    let handle = app.clone();
    let result = update
        .download_and_install(
            move |chunk, total| {
                downloaded += chunk as u64;
                let _ = handle.emit(
                    events::APP_UPDATE_PROGRESS,
                    AppUpdateProgress { downloaded, total },
                );
            },
            || {},
        )
        .await;
    match result {
        Ok(()) => {
            tracing::info!(
                "app update {} installed; it runs from the next start",
                update.version
            );
            if let Ok(mut i) = app.state::<Updates>().installed.lock() {
                *i = Some(update.version.clone());
            }
            Ok(state(app, Some(&update)))
        }
        Err(e) => {
            let said = update_failure(is_signature(&e), &e.to_string());
            tracing::warn!("app update {}: {said}", update.version);
            Err(UserError::new(said))
        }
    }
}
