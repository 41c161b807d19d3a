//! The machine the app manages: data folder, store, keychain, network profile, service backend.
//! One place builds the [`crate::install::setup::Context`] every install operation needs, so the
//! CLI and the desktop app do exactly the same thing.

use std::path::{Path, PathBuf};

use crate::api::UserError;
use crate::install::exec::SystemRunner;
use crate::install::manifest::Os;
use crate::install::plan::Target;
use crate::install::setup::{self, Backend, Context};
use crate::keys::Keychain;
use crate::network::NetworkProfile;
use crate::nodes::Layout;
use crate::store::Store;

/// Overrides for tests and unusual setups (all from the environment, documented in README).
pub const BACKEND_ENV: &str = "CORTENSOR_MANAGER_BACKEND";
pub const PATH_ENV: &str = "CORTENSOR_MANAGER_SERVICE_PATH";

pub struct Machine {
    pub layout: Layout,
    pub store: Store,
    pub keychain: Result<Keychain, UserError>,
    pub profile: NetworkProfile,
    pub home: PathBuf,
    pub user: String,
    pub uid: u32,
    pub backend: Backend,
    pub runner: SystemRunner,
}

fn uid() -> u32 {
    #[cfg(unix)]
    {
        // SAFETY: getuid has no preconditions and cannot fail.
        unsafe { libc::getuid() }
    }
    #[cfg(not(unix))]
    {
        0
    }
}

impl Machine {
    pub fn open(data_dir: Option<PathBuf>, network: Option<&Path>) -> Result<Machine, UserError> {
        let dir = crate::paths::data_dir(data_dir).map_err(UserError::new)?;
        let store = Store::open(&dir).map_err(UserError::new)?;
        let profile = NetworkProfile::load(network).map_err(UserError::new)?;
        let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()).unwrap_or_else(|| PathBuf::from("."));
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_default();
        let mut runner = SystemRunner { path: std::env::var_os(PATH_ENV) };
        let backend = match std::env::var(BACKEND_ENV).as_deref() {
            Ok("os") => Backend::OsService,
            Ok("unmanaged") => Backend::Unmanaged,
            _ => setup::detect_backend(&mut runner),
        };
        Ok(Machine {
            layout: Layout::new(dir),
            store,
            keychain: Keychain::platform().map_err(UserError::new),
            profile,
            home,
            user,
            uid: uid(),
            backend,
            runner,
        })
    }

    pub fn target(&self) -> Target<'_> {
        Target { os: Os::current(), layout: &self.layout, profile: &self.profile, home: &self.home, user: &self.user, uid: self.uid }
    }

    /// The install context (needs the keychain).
    pub fn context(&self) -> Result<Context<'_>, UserError> {
        let keychain = self.keychain.as_ref().map_err(Clone::clone)?;
        Ok(Context { layout: &self.layout, store: &self.store, keychain, profile: &self.profile, target: self.target(), backend: self.backend })
    }

    pub fn cores(&self) -> u32 {
        std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1)
    }
}
