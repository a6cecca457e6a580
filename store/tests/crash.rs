//! Crash tests: a child process commits to a sled store in a loop and is
//! killed with SIGKILL at a random moment; the parent then reopens the store
//! and checks that nothing acknowledged was lost and nothing is half there.
//!
//! The child is this test binary itself, re-executed with `--exact
//! crash_child` and the data directory in `CHRONICLE_CRASH_CHILD`; without
//! that variable `crash_child` is an empty test. The child reports on stdout:
//!
//! - `READY` once the store is open and the child starts committing,
//! - `TX <event ids>` before each commit (the transaction's events, comma separated),
//! - `ACK <event ids>` after the commit returned Ok,
//! - `DURABLE` after an explicit `flush()` returned Ok.
//!
//! Set `CHRONICLE_CRASH_SEED` to replay a run (the seed is printed).
//!
//! A killed process loses what sled buffered in memory, not what it already
//! wrote to the OS: this checks crash consistency and the `SyncMode`
//! promises against process death, not against power loss.

#![cfg(unix)]

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chronicle_model::{EntityId, EventId, Ref, Text, Transaction, models};
use chronicle_store::{SledOptions, SledStore, Storage, StoreError, SyncMode};
use support::notes::{Artist, Note};

mod support;

type Error = Box<dyn std::error::Error>;

const CHILD_ENV: &str = "CHRONICLE_CRASH_CHILD";
const MODE_ENV: &str = "CHRONICLE_CRASH_MODE";
const SEED_ENV: &str = "CHRONICLE_CRASH_SEED";
const CHILD_TEST: &str = "crash_child";

const ITERATIONS: usize = 25;
/// Past this the parent stops starting new iterations (the whole test stays under a minute).
const BUDGET: Duration = Duration::from_secs(45);
const MIN_ITERATIONS: usize = 5;
/// The batch interval of the `Batch` variant.
const BATCH: Duration = Duration::from_millis(20);

fn sync_mode(name: &str) -> Result<SyncMode, Error> {
    match name {
        "always" => Ok(SyncMode::Always),
        "batch" => Ok(SyncMode::Batch(BATCH)),
        other => Err(format!("unknown sync mode {other}").into()),
    }
}

fn open(dir: &Path, sync: SyncMode) -> Result<SledStore, StoreError> {
    SledStore::open_with(dir, models![Artist, Note]?, SledOptions { sync, ..SledOptions::default() })
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

// ---------------------------------------------------------------- the child

/// The child side: does nothing unless run by a parent below.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else { return };
    let result = (|| -> Result<(), Error> {
        let mode = sync_mode(&std::env::var(MODE_ENV)?)?;
        let seed: u64 = std::env::var(SEED_ENV)?.parse()?;
        runtime()?.block_on(child(Path::new(&dir), mode, seed))
    })();
    if let Err(e) = result {
        panic!("crash child failed: {e}");
    }
}

/// The entities the child knows to be live, and its random choices.
struct Workload {
    rng: fastrand::Rng,
    notes: Vec<EntityId>,
    artists: Vec<EntityId>,
}

const WORDS: [&str; 8] = ["lorem ", "ipsum ", "é ", "🎵 ", "naïve ", "日本 ", "x", "\n"];
const MAX_NOTES: usize = 40;

impl Workload {
    fn pick(&mut self) -> Option<EntityId> {
        (!self.notes.is_empty()).then(|| self.notes[self.rng.usize(..self.notes.len())])
    }

    fn new_note(&mut self, tx: &mut Transaction<'_>) -> Result<EntityId, Error> {
        let artist = match self.artists.len() {
            0 => None,
            n => Some(Ref::new(self.artists[self.rng.usize(..n)])),
        };
        let body = Text::from(WORDS[self.rng.usize(..WORDS.len())]);
        Ok(tx.create(Note { title: format!("note {}", self.rng.u32(..)), rank: self.rng.i64(..), body, artist })?)
    }

    fn edit_text(&mut self, tx: &mut Transaction<'_>, id: EntityId) -> Result<(), Error> {
        let mut edit = tx.edit::<Note>(id)?;
        let mut body = edit.body();
        let len = body.get()?.chars().count();
        if len > 120 {
            let start = self.rng.usize(..len);
            body.delete(start, self.rng.usize(1..=(len - start).min(40)))?;
        } else {
            body.insert(self.rng.usize(..=len), WORDS[self.rng.usize(..WORDS.len())])?;
        }
        Ok(())
    }

    /// Fills `tx` with one random kind of change; returns the notes it creates and deletes.
    fn fill(&mut self, tx: &mut Transaction<'_>) -> Result<(Vec<EntityId>, Vec<EntityId>), Error> {
        let (mut created, mut deleted) = (Vec::new(), Vec::new());
        let op = if self.notes.len() < 3 { 0 } else { self.rng.u8(..6) };
        match op {
            // Creations, sometimes with a new artist they point to.
            0 => {
                if self.artists.is_empty() || self.rng.u8(..4) == 0 {
                    let artist = tx.create(Artist { name: format!("artist {}", self.rng.u32(..)) })?;
                    // Kept even if the commit never happens: then the child is dead anyway.
                    self.artists.push(artist);
                }
                for _ in 0..self.rng.usize(1..=3) {
                    created.push(self.new_note(tx)?);
                }
            }
            // A scalar edit.
            1 => {
                let id = self.pick().ok_or("no note")?;
                let mut edit = tx.edit::<Note>(id)?;
                edit.set_rank(self.rng.i64(..));
                if self.rng.bool() {
                    edit.set_title(format!("title {}", self.rng.u32(..)));
                }
            }
            // A text edit.
            2 => {
                let id = self.pick().ok_or("no note")?;
                self.edit_text(tx, id)?;
            }
            // Several entities at once.
            3 => {
                let mut touched = HashSet::new();
                for _ in 0..self.rng.usize(2..=4) {
                    let id = self.pick().ok_or("no note")?;
                    if touched.insert(id) {
                        tx.edit::<Note>(id)?.set_rank(self.rng.i64(..));
                        self.edit_text(tx, id)?;
                    }
                }
                if let Some(&artist) = self.artists.first() {
                    tx.edit::<Artist>(artist)?.set_name(format!("renamed {}", self.rng.u32(..)));
                }
            }
            // A delete.
            4 => {
                let id = self.pick().ok_or("no note")?;
                tx.delete::<Note>(id)?;
                deleted.push(id);
            }
            // Create, edit and delete in one transaction.
            _ => {
                created.push(self.new_note(tx)?);
                let first = self.pick().ok_or("no note")?;
                self.edit_text(tx, first)?;
                let second = self.pick().ok_or("no note")?;
                if second != first && self.notes.len() > 10 {
                    tx.delete::<Note>(second)?;
                    deleted.push(second);
                }
            }
        }
        // Keep the working set (and the parent's verify) small.
        if self.notes.len() + created.len() > MAX_NOTES
            && let Some(id) = self.notes.iter().find(|id| !deleted.contains(id)).copied()
        {
            tx.delete::<Note>(id)?;
            deleted.push(id);
        }
        Ok((created, deleted))
    }
}

fn ids(events: &[EventId]) -> String {
    events.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

async fn child(dir: &Path, mode: SyncMode, seed: u64) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    // The test harness may have left "test crash_child ... " without a newline.
    writeln!(out, "\nSTART")?;
    let store = open(dir, mode)?;
    let mut work = Workload { rng: fastrand::Rng::with_seed(seed), notes: Vec::new(), artists: Vec::new() };
    let mut seen = HashSet::new();
    for stored in store.events_after(0, usize::MAX).await? {
        let e = &stored.event;
        if seen.insert(e.entity_id)
            && let Some(state) = store.get(&e.collection, e.entity_id).await?
            && !state.is_deleted()
        {
            match e.collection.as_str() {
                "note" => work.notes.push(e.entity_id),
                _ => work.artists.push(e.entity_id),
            }
        }
    }
    writeln!(out, "READY")?;
    out.flush()?;
    // Bounded even if nobody kills us.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let mut tx = Transaction::new("child", store.models(), store.reads());
        let (created, deleted) = work.fill(&mut tx)?;
        let events = tx.into_events();
        let event_ids: Vec<EventId> = events.iter().map(|e| e.id).collect();
        writeln!(out, "TX {}", ids(&event_ids))?;
        out.flush()?;
        store.commit(events).await?;
        writeln!(out, "ACK {}", ids(&event_ids))?;
        out.flush()?;
        work.notes.retain(|id| !deleted.contains(id));
        work.notes.extend(created);
        if work.rng.u8(..8) == 0 {
            store.flush().await?;
            writeln!(out, "DURABLE")?;
            out.flush()?;
        }
    }
    Ok(())
}

// --------------------------------------------------------------- the parent

/// One transaction the child announced, across all iterations.
struct Group {
    events: Vec<EventId>,
    iteration: usize,
    acked: bool,
    /// Acknowledged before an explicit flush returned.
    flushed: bool,
    /// Whether it was in the store at the last check (`None` until checked).
    present: Option<bool>,
}

/// What one child run printed, as complete lines.
fn parse(lines: &[String], iteration: usize, groups: &mut Vec<Group>) -> Result<(), Error> {
    let parse_ids = |s: &str| -> Result<Vec<EventId>, Error> {
        s.split(',').map(|id| id.parse::<EventId>().map_err(|e| format!("bad id {id}: {e:?}").into())).collect()
    };
    let first = groups.len();
    for line in lines {
        if let Some(rest) = line.strip_prefix("TX ") {
            groups.push(Group { events: parse_ids(rest)?, iteration, acked: false, flushed: false, present: None });
        } else if let Some(rest) = line.strip_prefix("ACK ") {
            let events = parse_ids(rest)?;
            let last = groups[first..].last_mut().ok_or("ACK before any TX")?;
            assert_eq!(last.events, events, "ACK for another transaction than the last announced");
            last.acked = true;
        } else if line == "DURABLE" {
            for g in groups[first..].iter_mut().filter(|g| g.acked) {
                g.flushed = true;
            }
        }
    }
    Ok(())
}

/// When the parent kills the child.
#[derive(Clone, Copy, Debug)]
enum Kill {
    /// This long after spawning it: often while it opens (recovers) the store.
    AfterSpawn(Duration),
    /// This long after it reported `READY`: while it commits.
    AfterReady(Duration),
}

/// Runs the child once, kills it with SIGKILL as `kill` says, and returns its
/// complete stdout lines.
fn run_child(dir: &Path, mode: &str, seed: u64, kill: Kill) -> Result<Vec<String>, Error> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir)
        .env(MODE_ENV, mode)
        .env(SEED_ENV, seed.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no child stdout")?;
    let mut stderr = child.stderr.take().ok_or("no child stderr")?;
    let (send, lines) = std::sync::mpsc::channel::<String>();
    let out_reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                // A line cut short by the kill has no newline: ignore it.
                Ok(n) if n > 0 && line.ends_with('\n') => {
                    if send.send(line.trim_end_matches('\n').to_owned()).is_err() {
                        break;
                    }
                }
                _ => break,
            }
        }
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    let mut seen = Vec::new();
    let delay = match kill {
        Kill::AfterSpawn(delay) => delay,
        Kill::AfterReady(delay) => {
            let deadline = Instant::now() + Duration::from_secs(20);
            while !seen.iter().any(|l| l == "READY") {
                let left = deadline.saturating_duration_since(Instant::now());
                match lines.recv_timeout(left) {
                    Ok(line) => seen.push(line),
                    // Timed out or the child's stdout closed: kill and report below.
                    Err(_) => break,
                }
            }
            delay
        }
    };
    std::thread::sleep(delay);
    let exited_early = child.try_wait()?;
    child.kill()?;
    let status = child.wait()?;
    out_reader.join().map_err(|_| "stdout reader panicked")?;
    seen.extend(lines.try_iter());
    let errors = err_reader.join().map_err(|_| "stderr reader panicked")?;
    if exited_early.is_some() || status.signal() != Some(SIGKILL) {
        return Err(format!("the child ended on its own ({status}) before the kill:\n{errors}\n{seen:?}").into());
    }
    if matches!(kill, Kill::AfterReady(_)) && !seen.iter().any(|l| l == "READY") {
        return Err(format!("the child never became ready:\n{errors}\n{seen:?}").into());
    }
    Ok(seen)
}

const SIGKILL: i32 = 9;

/// Reopens the store after a kill and checks it against what the child said.
async fn check(dir: &Path, sync: SyncMode, groups: &mut [Group], context: &str) -> Result<(), Error> {
    let store = open(dir, sync)?;
    let report = store.verify().await?;
    assert!(report.is_clean(), "{context}: verify found {:?}", report.differences);

    let log = store.events_after(0, usize::MAX).await?;
    let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=store.last_seq()).collect::<Vec<_>>(), "{context}: the commit sequence has gaps");
    let group_of: HashMap<EventId, usize> =
        groups.iter().enumerate().flat_map(|(g, group)| group.events.iter().map(move |e| (*e, g))).collect();
    for stored in &log {
        assert!(group_of.contains_key(&stored.event.id), "{context}: event {} was never announced", stored.event.id);
    }
    let logged: HashMap<EventId, u64> = log.iter().map(|e| (e.event.id, e.seq)).collect();

    // Each transaction is all there or not at all, in consecutive seqs, in commit order.
    let mut next_seq = 1;
    let mut lost_in: HashMap<usize, usize> = HashMap::new();
    for (g, group) in groups.iter_mut().enumerate() {
        let found: Vec<Option<u64>> = group.events.iter().map(|e| logged.get(e).copied()).collect();
        let present = found.iter().all(Option::is_some);
        assert!(present || found.iter().all(Option::is_none), "{context}: transaction {g} is partly there: {found:?}");
        for e in &group.events {
            assert_eq!(store.event(*e).await?.is_some(), present, "{context}: event {e} by id and by log disagree");
        }
        if present {
            let seqs: Vec<u64> = found.into_iter().flatten().collect();
            let expected: Vec<u64> = (next_seq..next_seq + seqs.len() as u64).collect();
            assert_eq!(seqs, expected, "{context}: transaction {g} is not at the next seqs, in order");
            next_seq += seqs.len() as u64;
        }
        if let Some(before) = group.present {
            assert_eq!(before, present, "{context}: transaction {g} changed presence across a reopen");
        }
        group.present = Some(present);
        // Within one run the child commits one transaction after another,
        // so what survives is a prefix of what it committed.
        if present && let Some(lost) = lost_in.get(&group.iteration) {
            return Err(format!("{context}: transaction {g} survived but earlier transaction {lost} was lost").into());
        }
        if !present {
            lost_in.entry(group.iteration).or_insert(g);
        }
        let required = match sync {
            SyncMode::Always => group.acked,
            _ => group.flushed,
        };
        assert!(present || !required, "{context}: acknowledged transaction {g} was lost ({:?})", group.events);
    }
    assert_eq!(next_seq - 1, store.last_seq(), "{context}: the log holds events of no transaction");
    store.close()?;
    Ok(())
}

fn crash_loop(mode: &str) -> Result<(), Error> {
    let sync = sync_mode(mode)?;
    let seed = match std::env::var(SEED_ENV) {
        Ok(s) => s.parse()?,
        Err(_) => fastrand::u64(..),
    };
    println!("crash test ({mode}): seed {seed} (replay with {SEED_ENV}={seed})");
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir()?;
    let rt = runtime()?;
    let started = Instant::now();
    let mut groups: Vec<Group> = Vec::new();
    let mut iterations = 0;
    while iterations < ITERATIONS && (started.elapsed() < BUDGET || iterations < MIN_ITERATIONS) {
        let delay = Duration::from_millis(rng.u64(20..=300));
        // Mostly while it commits, sometimes while it opens and recovers.
        let kill = if rng.u8(..4) == 0 { Kill::AfterSpawn(delay) } else { Kill::AfterReady(delay) };
        let context = format!("{mode} iteration {iterations} (seed {seed}, kill {kill:?})");
        let lines = run_child(dir.path(), mode, rng.u64(..), kill).map_err(|e| format!("{context}: {e}"))?;
        parse(&lines, iterations, &mut groups).map_err(|e| format!("{context}: {e}"))?;
        rt.block_on(check(dir.path(), sync, &mut groups, &context))?;
        iterations += 1;
    }
    let acked = groups.iter().filter(|g| g.acked).count();
    let present = groups.iter().filter(|g| g.present == Some(true)).count();
    let lost_acked = groups.iter().filter(|g| g.acked && g.present == Some(false)).count();
    println!(
        "crash test ({mode}): {iterations} kills in {:?}, {} transactions announced, {acked} acknowledged, \
         {present} in the store, {lost_acked} acknowledged but lost",
        started.elapsed(),
        groups.len()
    );
    assert!(acked > 0, "the child never got a commit acknowledged: the test exercised nothing");
    Ok(())
}

/// `Always`: every acknowledged commit survives a SIGKILL, and the store is
/// consistent and gap-free after each one.
#[test]
fn sigkill_during_commits_always() -> Result<(), Error> {
    crash_loop("always")
}

/// `Batch`: a SIGKILL may lose the last commits, but only whole transactions
/// at the end of the run, never anything acknowledged before a `flush()`.
#[test]
fn sigkill_during_commits_batch() -> Result<(), Error> {
    crash_loop("batch")
}
