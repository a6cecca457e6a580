//! `chronicle`: until the GraphQL service lands, a walk-through of the model
//! core on the demo catalogue, in memory.

mod demo;

use chronicle_model::{MemoryStore, ModelError, Ref, Text};
use demo::{Album, Artist};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), ModelError> {
    let alice_replica = MemoryStore::new(demo::catalogue()?);
    let bob_replica = MemoryStore::new(demo::catalogue()?);

    let mut tx = alice_replica.begin("alice");
    let miles = tx.create(Artist { name: "Miles Davis".into(), country: Some("US".into()) })?;
    let album = tx.create(Album {
        name: "Kind of Blue".into(),
        year: 1959,
        artist: Ref::new(miles),
        description: Text::from("Recorded at Columbia's 30th Street Studio."),
    })?;
    for event in tx.commit()? {
        bob_replica.apply_remote(event)?;
    }
    println!("alice created {album} on her replica; bob received it.");

    // Concurrent, offline edits on both replicas.
    let mut tx = alice_replica.begin("alice");
    tx.edit::<Album>(album)?.set_year(1958).description().insert(0, "Modal jazz. ")?;
    let from_alice = tx.commit()?;
    let mut tx = bob_replica.begin("bob");
    tx.edit::<Album>(album)?
        .set_name("Kind of Blue (Legacy Edition)")
        .description()
        .set("Recorded at Columbia's 30th Street Studio in 1959.")?;
    let from_bob = tx.commit()?;

    for event in from_bob {
        alice_replica.apply_remote(event)?;
    }
    for event in from_alice {
        bob_replica.apply_remote(event)?;
    }

    for (who, replica) in [("alice", &alice_replica), ("bob", &bob_replica)] {
        if let Some(view) = replica.get::<Album>(album)? {
            println!(
                "{who:>5}'s replica: {:?} ({}) heads={} description={:?}",
                view.name,
                view.year,
                view.meta.heads.len(),
                view.description.as_str()
            );
        }
    }
    println!("\nhistory of {album}:");
    for stored in alice_replica.history(album) {
        let e = &stored.event;
        let changes: Vec<String> = stored.changes.iter().map(|c| format!("{}={}", c.field, c.value)).collect();
        println!("  {} {:?} by {:<5} {}", e.id, e.kind(), e.user_id, changes.join(", "));
    }
    let differing = alice_replica.verify()?;
    println!("\nreplay equals materialized state: {}", differing.is_empty());
    Ok(())
}
