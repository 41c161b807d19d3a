//! The headless CLI's packages (`scripts/package.sh`): a `.deb` without WebKit that installs into
//! a clean root and runs there, a `.tar.gz`, and their checksums.

use std::path::Path;
use std::process::Command;

use cortensor_test_support::*;

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_cli_packages_install_into_a_clean_root_and_run() {
    if Command::new("dpkg-deb").arg("--version").output().is_err() {
        assert!(
            std::env::var("CM_E2E_REQUIRED").is_err(),
            "dpkg-deb required"
        );
        eprintln!("SKIPPED: no dpkg-deb");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dist");
    run(Command::new("bash")
        .arg(workspace_path("scripts/package.sh"))
        .arg("--binary")
        .arg(env!("CARGO_BIN_EXE_cortensor-manager"))
        .arg("--out")
        .arg(&out));
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let deb = names.iter().find(|n| n.ends_with(".deb")).expect("a .deb");
    let tgz = names
        .iter()
        .find(|n| n.ends_with(".tar.gz"))
        .expect("a .tar.gz");
    assert!(deb.starts_with("cortensor-manager-cli_0.1.0_"), "{deb}");

    // Checksums match.
    run(Command::new("sha256sum")
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(&out));
    // The .deb needs the C library only: no WebKit, no GTK.
    let depends = run(Command::new("dpkg-deb")
        .args(["-f"])
        .arg(out.join(deb))
        .arg("Depends"));
    assert_eq!(depends.trim(), "libc6");
    // Installed by dpkg into a clean root (its own database), the command runs from there.
    let root = tmp.path().join("root");
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    run(Command::new("dpkg")
        .arg(format!("--root={}", root.display()))
        .args([
            "--force-not-root",
            "--force-depends",
            "--force-script-chrootless",
            "--log=/dev/null",
            "-i",
        ])
        .arg(out.join(deb)));
    let installed = root.join("usr/bin/cortensor-manager");
    let status = std::fs::read_to_string(root.join("var/lib/dpkg/status")).unwrap();
    assert!(
        status.contains("Package: cortensor-manager-cli")
            && status.contains("Status: install ok installed"),
        "{status}"
    );
    let data = tmp.path().join("data");
    assert_eq!(
        run(Command::new(&installed).arg("--version")).trim(),
        "cortensor-manager 0.1.0"
    );
    let json = run(Command::new(&installed)
        .arg("--data-dir")
        .arg(&data)
        .args(["rewards", "--nodes", "3", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["total"].is_string(), "{v}");
    // Stripped: far smaller than the debug build it came from.
    let size = std::fs::metadata(&installed).unwrap().len();
    let built = std::fs::metadata(env!("CARGO_BIN_EXE_cortensor-manager"))
        .unwrap()
        .len();
    assert!(size < built, "{size} ≥ {built}");

    // The .tar.gz holds the same command.
    let x = tmp.path().join("x");
    std::fs::create_dir_all(&x).unwrap();
    run(Command::new("tar")
        .arg("-xzf")
        .arg(out.join(tgz))
        .arg("-C")
        .arg(&x));
    let dir = std::fs::read_dir(&x)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(Path::new(&dir.join("README.md")).is_file());
    assert_eq!(
        run(Command::new(dir.join("cortensor-manager")).arg("--version")).trim(),
        "cortensor-manager 0.1.0"
    );

    // The .rpm (where rpmbuild exists): the same command, needing the C library only.
    if Command::new("rpm").arg("--version").output().is_err() {
        assert!(std::env::var("CM_E2E_REQUIRED").is_err(), "rpm required");
        eprintln!("SKIPPED: the .rpm check (no rpm)");
        return;
    }
    let rpm = names.iter().find(|n| n.ends_with(".rpm")).expect("an .rpm");
    assert!(rpm.starts_with("cortensor-manager-cli-0.1.0-1."), "{rpm}");
    let requires = run(Command::new("rpm").arg("-qpR").arg(out.join(rpm)));
    let needs: Vec<&str> = requires
        .lines()
        .filter(|l| !l.starts_with("rpmlib("))
        .collect();
    assert_eq!(needs, ["glibc"], "{requires}");
    let files = run(Command::new("rpm").arg("-qpl").arg(out.join(rpm)));
    assert!(
        files.lines().any(|l| l == "/usr/bin/cortensor-manager"),
        "{files}"
    );
    // Installed by rpm into a clean root (its own database), the command runs from there.
    let r = tmp.path().join("rpmroot");
    std::fs::create_dir_all(&r).unwrap();
    run(Command::new("rpm").arg("--root").arg(&r).arg("--initdb"));
    run(Command::new("rpm")
        .arg("--root")
        .arg(&r)
        .args(["-i", "--nodeps", "--noscripts"])
        .arg(out.join(rpm)));
    assert!(run(Command::new("rpm")
        .arg("--root")
        .arg(&r)
        .args(["-q", "cortensor-manager-cli"]))
    .starts_with("cortensor-manager-cli-0.1.0-1"));
    assert_eq!(
        run(Command::new(r.join("usr/bin/cortensor-manager")).arg("--version")).trim(),
        "cortensor-manager 0.1.0"
    );
}
