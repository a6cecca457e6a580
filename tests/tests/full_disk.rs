//! A full disk, for real: the data directory lives on a small tmpfs this
//! test mounts (it needs root, as CI and these machines have). Writes fill
//! it until the server answers STORAGE_FULL; then shutdown, a restart while
//! still full, more space, and a restart that finds every acknowledged
//! write, with `verify` clean.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use chronicle_tests::catalogue::artist;
use chronicle_tests::*;

/// A tmpfs mounted for the test; unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Self {
        let dir = tempfile::Builder::new().prefix("chronicle-fulldisk-").tempdir().expect("a temp dir");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "cannot mount a tmpfs at {} ({status}); this test needs root (CI and the dev machines run as root)",
            dir.path().display()
        );
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn resize(&self, size: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(self.path())
            .status()
            .expect("run mount");
        assert!(status.success(), "cannot resize the tmpfs");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

fn incomplete_snapshots(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".generating")))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_full_disk_is_a_clear_error_and_loses_nothing() {
    let disk = Tmpfs::mount("24m");
    let data = disk.path().join("data");
    let data_arg = data.to_str().expect("a UTF-8 path").to_owned();
    let mut server = Server::with(ServerOptions { data: Some(data.clone()), ..Default::default() });
    let c = server.user("alice");
    let a = artist(&c, "Miles", None);
    let text = "x".repeat(200 * 1024);
    let mut acknowledged = Vec::new();
    let mut full = None;
    for i in 0..2_000 {
        let r = c.request(
            "mutation($a: ID!, $d: String!, $n: String!) { createAlbum(input: { name: $n, year: 1959, artistId: $a, description: $d }) { id } }",
            json!({ "a": a, "d": text, "n": format!("album {i}") }),
        );
        let body = r.json();
        if body.get("errors").is_some() {
            full = Some(body);
            break;
        }
        acknowledged.push(s(&body["data"]["createAlbum"]["id"]));
    }
    let full = full.expect("the disk filled up within 2,000 writes of 200 KiB");
    assert_eq!(codes(&full), ["STORAGE_FULL"], "a full disk says so: {full}");
    assert!(!acknowledged.is_empty(), "some writes went through before the disk filled");
    // sled refuses every operation after a failed write until it is reopened:
    // the server says it is neither ready nor healthy, so a supervisor restarts it.
    for probe in ["/readyz", "/healthz"] {
        let r = server.http().get(server.url(probe)).send().expect("probe");
        assert_eq!(r.status(), 503, "{probe} while the disk is full");
        assert!(r.text().expect("text").contains("full"), "{probe} says why");
    }

    // Shutdown finishes in bounded time.
    let status = server.terminate(Duration::from_secs(30));
    assert!(status.is_some(), "SIGTERM with a full disk must not hang:\n{}", server.log());

    // A restart while the disk is still full either starts or fails cleanly,
    // and leaves no half-written snapshot behind.
    let out = Command::new(binary())
        .args(["verify", "--data", &data_arg])
        .output()
        .expect("run chronicle verify on a full disk");
    let _ = out;
    assert!(incomplete_snapshots(&data).is_empty(), "debris: {:?}", incomplete_snapshots(&data));

    // With space back, everything acknowledged is there.
    disk.resize("256m");
    server.restart();
    let c = server.user("alice");
    let ids = chronicle_tests::catalogue::all_ids(&c, "albums");
    for id in &acknowledged {
        assert!(ids.contains(id), "acknowledged album {id} is missing after the restart");
    }
    let ready = server.http().get(server.url("/readyz")).send().expect("GET /readyz");
    assert_eq!(ready.status(), 200);
    c.query("{ me { userId } }", json!({}));
    artist(&c, "Writes work again", None);
    server.kill();
    let out = run_cli(&["verify", "--data", &data_arg]);
    assert!(out.contains("clean"), "{out}");
}
