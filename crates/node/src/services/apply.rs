//! The executor: the only code that applies a [`Plan`] to the system. Small on purpose.

use crate::platform::exec::Runner;
use crate::platform::fs as fsutil;
use crate::services::plan::{Plan, Step};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    pub steps_done: usize,
    /// Optional steps that failed, in words.
    pub warnings: Vec<String>,
    /// The folders this plan created and the files it wrote (uninstall removes only those).
    pub made: Vec<crate::store::Written>,
}

#[derive(Debug, thiserror::Error)]
#[error("could not {what}: {reason}")]
pub struct ExecError {
    pub what: String,
    pub reason: String,
    /// Steps completed before the failure.
    pub steps_done: usize,
}

/// Apply `plan` step by step; stop at the first failure of a required step.
pub fn apply(plan: &Plan, runner: &mut dyn Runner) -> Result<Report, ExecError> {
    let mut report = Report::default();
    for step in &plan.steps {
        let fail = |what: String, reason: String| ExecError {
            what,
            reason,
            steps_done: report.steps_done,
        };
        match step {
            Step::CreateDir { path } => {
                let made = fsutil::create_dirs(path).map_err(|e| {
                    fail(
                        format!("create the folder {}", path.display()),
                        fsutil::explain_io(&e),
                    )
                })?;
                report
                    .made
                    .extend(made.into_iter().map(crate::store::Written::dir));
            }
            Step::WriteFile {
                path,
                contents,
                mode,
                ..
            } => {
                let made = path
                    .parent()
                    .map(fsutil::create_dirs)
                    .transpose()
                    .and_then(|m| {
                        fsutil::write_atomic(path, contents.as_bytes(), *mode)?;
                        Ok(m.unwrap_or_default())
                    })
                    .map_err(|e| {
                        fail(format!("write {}", path.display()), fsutil::explain_io(&e))
                    })?;
                report
                    .made
                    .extend(made.into_iter().map(crate::store::Written::dir));
                report.made.push(crate::store::Written::file(path));
            }
            Step::RemoveIfEmpty { path } => match std::fs::remove_dir(path) {
                Ok(()) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::DirectoryNotEmpty
                    ) => {}
                Err(e) => {
                    return Err(fail(
                        format!("remove the folder {}", path.display()),
                        fsutil::explain_io(&e),
                    ))
                }
            },
            Step::Remove { path } => {
                let r = if path.is_dir() {
                    std::fs::remove_dir_all(path)
                } else {
                    std::fs::remove_file(path)
                };
                match r {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(fail(
                            format!("remove {}", path.display()),
                            fsutil::explain_io(&e),
                        ))
                    }
                }
            }
            Step::Run {
                program,
                args,
                why,
                optional,
            } => {
                if let Err(reason) = runner.run(program, args) {
                    if *optional {
                        report.warnings.push(format!(
                            "could not {why} (`{program} {}`): {reason}",
                            args.join(" ")
                        ));
                    } else {
                        return Err(fail(
                            format!("{why} (`{program} {}`)", args.join(" ")),
                            reason,
                        ));
                    }
                }
            }
        }
        report.steps_done += 1;
    }
    Ok(report)
}
