//! Fuzz targets run as property tests (cargo-fuzz needs a nightly toolchain,
//! which these machines cannot fetch): arbitrary bytes and edits through
//! every decoder and text path that takes input from outside. None may
//! panic; each either works or returns a `ModelError`. The seed cases are
//! inputs that broke or nearly broke other Yrs users: empty updates,
//! truncated headers, huge varints.

mod common;

use chronicle_model::{EntityId, EntityState, Event, MemoryStore, encoding};
use common::{create_album, replica};
use proptest::prelude::*;

/// Inputs always tried first (the committed seed corpus).
const SEEDS: &[&[u8]] = &[
    b"",
    &[0],
    &[0, 0],
    &[1],
    &[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    &[0xff; 16],
    &[1, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
    &[0, 0, 1, 0, 0],
    &[1, 1, 1, 0, 4, 1, 4, 116, 101, 120, 116, 1, 120, 0],
];

fn album_with_text(store: &MemoryStore) -> EntityId {
    let (id, _) = create_album(store, "alice", "A", 1).expect("create");
    let mut tx = store.begin("alice");
    tx.edit_entity("album", id)
        .and_then(|mut e| e.text("description").and_then(|mut t| t.set("héllo 😀").map(|_| ())))
        .expect("edit");
    tx.commit().expect("commit");
    id
}

/// Decoding stored events and states never panics.
fn decode_any(bytes: &[u8]) {
    let _ = encoding::decode::<Event>(bytes, "event");
    let _ = encoding::decode::<EntityState>(bytes, "entity state");
}

/// Applying a client's Yrs update never panics; a refused one changes nothing.
fn apply_yrs(store: &MemoryStore, id: EntityId, bytes: &[u8]) {
    let before = store.state("album", id);
    let mut tx = store.begin("mallory");
    let applied = tx
        .edit_entity("album", id)
        .and_then(|mut e| e.text("description").and_then(|mut t| t.apply_yrs_update(bytes).map(|_| ())));
    if applied.is_err() {
        drop(tx);
        assert_eq!(store.state("album", id), before, "a refused update leaves the entity as it was");
        return;
    }
    let _ = tx.commit();
}

#[test]
fn seeds_decode_and_apply_without_panicking() {
    let store = replica();
    let id = album_with_text(&store);
    for seed in SEEDS {
        decode_any(seed);
        apply_yrs(&store, id, seed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_decoders(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        decode_any(&bytes);
        // With a valid format byte in front, postcard itself sees the bytes.
        let mut versioned = vec![1u8];
        versioned.extend(&bytes);
        decode_any(&versioned);
    }

}

proptest! {
    // Each case builds a store: fewer, still covering the update decoder's branches.
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_yrs_updates_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        let store = replica();
        let id = album_with_text(&store);
        apply_yrs(&store, id, &bytes);
    }

    #[test]
    fn arbitrary_text_edits_never_panic(
        edits in proptest::collection::vec((0usize..40, 0usize..40, "[a-zé😀 ]{0,6}", any::<bool>()), 1..12),
    ) {
        let store = replica();
        let id = album_with_text(&store);
        let mut tx = store.begin("bob");
        {
            let mut entity = tx.edit_entity("album", id).expect("edit");
            let mut text = entity.text("description").expect("text");
            for (index, len, insert, utf16) in edits {
                // Out of range, inside a surrogate pair: errors, never panics.
                let _ = if utf16 {
                    text.splice_utf16(index, len, &insert).map(|_| ())
                } else {
                    text.replace(index, len, &insert).map(|_| ())
                };
            }
        }
        let _ = tx.commit();
    }
}
