//! Schema reconciliation at open, one case per test: the same store opened
//! with successive versions of a model (`v1`, `v2`, ... below, all on
//! collection `album`). Every engine reconciles (the memory store when it
//! restores its log); refusing an incompatible type needs the descriptors an
//! engine stored, so those cases run on sled.

use std::error::Error;
use std::sync::Arc;

use chronicle_model::{EntityId, Model, Operation, Text, Value};
use chronicle_store::{Filter, Op, OrderBy, Query, SledStore, Storage, StorageExt, StoreError};
use support::{Engine, Place, R, Sled};

mod support;

engine_tests!(
    an_added_field_reads_as_its_default_and_its_index_is_backfilled,
    a_field_that_loses_unindexed_is_backfilled,
    a_removed_field_stays_in_history,
    an_index_is_dropped_when_its_field_becomes_unindexed,
    a_compatible_type_change_is_accepted,
);

/// Opens the store at `place` with model `M` as the only model.
fn open<E: Engine, M: Model>(place: &Place) -> Result<Arc<E::Store>, StoreError> {
    E::open(place, chronicle_model::Models::new([M::descriptor()])?)
}

fn ids_of(page: &chronicle_store::Page) -> Vec<EntityId> {
    let mut ids = page.ids();
    ids.sort();
    ids
}

async fn assert_clean(store: &impl Storage) -> R {
    let report = store.verify().await?;
    assert!(report.is_clean(), "verify found {:?}", report.differences);
    Ok(())
}

/// Checks that `album.<field>` has `expected` index entries, on engines that
/// keep indexes (the store at `place` must be closed).
fn expect_index_entries<E: Engine>(place: &Place, field: &str, expected: usize, why: &str) -> R {
    if let Some(found) = E::index_entries(place, "album", field)? {
        assert_eq!(found, expected, "index entries of `album.{field}`: {why}");
    }
    Ok(())
}

mod added {
    pub mod v1 {
        use chronicle_model::{Model, Text};

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: i32,
            pub liner: Text,
        }
    }

    pub mod v2 {
        use chronicle_model::{Model, ModelEnum, Text};

        #[derive(Debug, Clone, Copy, PartialEq, Eq, ModelEnum)]
        pub enum Format {
            Vinyl,
            Cd,
        }

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: i32,
            pub rank: Option<i32>,
            pub count: i32,
            pub label: String,
            pub live: bool,
            pub format: Format,
            pub liner: Text,
            pub notes: Text,
            #[chronicle(unindexed)]
            pub memo: Option<String>,
        }
    }
}

async fn an_added_field_reads_as_its_default_and_its_index_is_backfilled<E: Engine>() -> R {
    use added::{v1, v2};
    let place = Place::new()?;
    let (kept, edited, deleted, first_event) = {
        let store = open::<E, v1::Album>(&place)?;
        let mut tx = store.begin("alice");
        let kept = tx.create(v1::Album { name: "Kind of Blue".into(), year: 1959, liner: Text::from("modal") })?;
        let edited = tx.create(v1::Album { name: "Giant Steps".into(), year: 1960, liner: Text::default() })?;
        let deleted = tx.create(v1::Album { name: "Gone".into(), year: 1961, liner: Text::default() })?;
        let events = tx.commit().await?;
        let mut tx = store.begin("alice");
        tx.edit::<v1::Album>(edited)?.set_year(1961);
        tx.delete::<v1::Album>(deleted)?;
        tx.commit().await?;
        E::close(&place, store);
        (kept, edited, deleted, events[0].id)
    };

    let store = open::<E, v2::Album>(&place)?;
    for id in [kept, edited] {
        let a = store.load::<v2::Album>(id).await?.ok_or("album missing after reopen")?;
        assert_eq!(a.rank, None, "Option reads as None");
        assert_eq!(a.count, 0, "i32 reads as 0");
        assert_eq!(a.label, "", "String reads as empty");
        assert!(!a.live, "bool reads as false");
        assert_eq!(a.format, v2::Format::Vinyl, "an enum reads as its first variant");
        assert_eq!(a.notes.as_str(), "", "Text reads as empty");
        assert_eq!(a.memo, None);
    }
    assert_eq!(store.load::<v2::Album>(kept).await?.ok_or("album missing")?.liner.as_str(), "modal");
    assert!(store.load::<v2::Album>(deleted).await?.is_none());
    // Older states through history read the same way.
    let then = store.load_at::<v2::Album>(kept, first_event).await?.ok_or("no state at the first event")?;
    assert_eq!((then.year, then.count, then.label.as_str(), then.liner.as_str()), (1959, 0, "", "modal"));

    // Equality and null scans read only the new indexes: they were backfilled.
    let mut live = vec![kept, edited];
    live.sort();
    for filter in [
        Filter::field("count", Op::Eq(0.into())),
        Filter::field("rank", Op::IsNull(true)),
        Filter::field("label", Op::Eq("".into())),
        Filter::field("live", Op::Eq(false.into())),
        Filter::field("format", Op::In(vec!["Vinyl".into()])),
    ] {
        let page = store.query("album", &Query::filter(filter.clone())).await?;
        assert_eq!(ids_of(&page), live, "{filter:?}");
    }
    let q = Query { order: vec![OrderBy::desc("count"), OrderBy::asc("name")], ..Query::default() };
    assert_eq!(store.query("album", &q).await?.ids(), [edited, kept]);
    assert_clean(&*store).await?;

    // New writes keep the new indexes up to date.
    let mut tx = store.begin("bob");
    tx.edit::<v2::Album>(kept)?.set_count(5).set_rank(Some(1)).set_format(v2::Format::Cd);
    tx.edit::<v2::Album>(edited)?.notes().insert(0, "sax")?;
    tx.commit().await?;
    let page = store.query("album", &Query::filter(Filter::field("count", Op::Gt(0.into())))).await?;
    assert_eq!(page.ids(), [kept]);
    let page = store.query("album", &Query::filter(Filter::field("format", Op::Eq("Vinyl".into())))).await?;
    assert_eq!(page.ids(), [edited]);
    assert_clean(&*store).await?;
    E::close(&place, store);

    // A second open with the same struct changes nothing.
    let store = open::<E, v2::Album>(&place)?;
    let a = store.load::<v2::Album>(kept).await?.ok_or("album missing")?;
    assert_eq!((a.count, a.rank, a.format), (5, Some(1), v2::Format::Cd));
    assert_clean(&*store).await?;
    Ok(())
}

mod reindexed {
    pub mod v1 {
        use chronicle_model::Model;

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            #[chronicle(unindexed)]
            pub year: i32,
            #[chronicle(unindexed)]
            pub nick: Option<String>,
        }
    }

    pub mod v2 {
        use chronicle_model::Model;

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: i32,
            pub nick: Option<String>,
        }
    }
}

async fn a_field_that_loses_unindexed_is_backfilled<E: Engine>() -> R {
    use reindexed::{v1, v2};
    let place = Place::new()?;
    let mut ids = Vec::new();
    {
        let store = open::<E, v1::Album>(&place)?;
        let mut tx = store.begin("alice");
        for (name, year, nick) in [("a", 1970, Some("x")), ("b", 1959, None), ("c", 1965, Some("y")), ("d", 1959, None)]
        {
            ids.push(tx.create(v1::Album { name: name.into(), year, nick: nick.map(str::to_owned) })?);
        }
        tx.commit().await?;
        let mut tx = store.begin("alice");
        tx.delete::<v1::Album>(ids[3])?;
        tx.commit().await?;
        let refused = store.query("album", &Query { order: vec![OrderBy::asc("year")], ..Query::default() }).await;
        assert!(matches!(refused, Err(StoreError::InvalidQuery(_))), "unindexed in v1: {refused:?}");
        E::close(&place, store);
    }
    expect_index_entries::<E>(&place, "year", 0, "v1 keeps no index on `year`")?;

    let store = open::<E, v2::Album>(&place)?;
    let page = store.query("album", &Query::filter(Filter::field("year", Op::Eq(1959.into())))).await?;
    assert_eq!(page.ids(), [ids[1]]);
    let page = store.query("album", &Query::filter(Filter::field("nick", Op::IsNull(true)))).await?;
    assert_eq!(page.ids(), [ids[1]]);
    let page = store.query("album", &Query::filter(Filter::field("nick", Op::StartsWith("y".into())))).await?;
    assert_eq!(page.ids(), [ids[2]]);
    let q = Query { order: vec![OrderBy::desc("year")], ..Query::default() };
    assert_eq!(store.query("album", &q).await?.ids(), [ids[0], ids[2], ids[1]]);
    assert_clean(&*store).await?;
    E::close(&place, store);
    expect_index_entries::<E>(&place, "year", 3, "one entry per live album, none for the deleted one")?;
    Ok(())
}

mod removed {
    pub mod v1 {
        use chronicle_model::{Model, Text};

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: i32,
            pub mood: String,
            pub memo: Text,
            pub liner: Text,
        }
    }

    pub mod v2 {
        use chronicle_model::{Model, Text};

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: i32,
            pub liner: Text,
        }
    }
}

/// The value field `field` is set to by an event's LWW operation, if any.
fn set_in(event: &chronicle_model::Event, field: &str) -> Option<Value> {
    event.operations.iter().find_map(|op| match op {
        Operation::Lww(lww) => lww.sets.iter().find(|(name, _)| name == field).map(|(_, v)| v.clone()),
        _ => None,
    })
}

async fn a_removed_field_stays_in_history<E: Engine>() -> R {
    use removed::{v1, v2};
    let place = Place::new()?;
    let id = {
        let store = open::<E, v1::Album>(&place)?;
        let mut tx = store.begin("alice");
        let id = tx.create(v1::Album {
            name: "Kind of Blue".into(),
            year: 1959,
            mood: "blue".into(),
            memo: Text::from("m"),
            liner: Text::from("l"),
        })?;
        tx.commit().await?;
        let mut tx = store.begin("alice");
        tx.edit::<v1::Album>(id)?.set_mood("green");
        tx.commit().await?;
        E::close(&place, store);
        id
    };
    expect_index_entries::<E>(&place, "mood", 1, "v1 indexes `mood`")?;

    let store = open::<E, v2::Album>(&place)?;
    let a = store.load::<v2::Album>(id).await?.ok_or("album missing after reopen")?;
    assert_eq!((a.name.as_str(), a.year), ("Kind of Blue", 1959));
    let history = store.history("album", id).await?;
    let moods: Vec<Option<Value>> = history.iter().map(|e| set_in(&e.event, "mood")).collect();
    assert_eq!(moods, [Some("blue".into()), Some("green".into())], "the old events still hold the field");
    assert!(history[1].changes.iter().any(|c| c.field == "mood"), "the audit summary still names it");
    let old = store.load_at::<v2::Album>(id, history[0].event.id).await?.ok_or("no state at the first event")?;
    assert_eq!(old.year, 1959);

    // Filtering on the removed field is an error, not an empty match.
    let refused = store.query("album", &Query::filter(Filter::field("mood", Op::Eq("green".into())))).await;
    assert!(refused.is_err(), "filter on a removed field: {refused:?}");
    // Writing with v2 works, text included, and the log still replays to the materialized state.
    let mut tx = store.begin("bob");
    tx.edit::<v2::Album>(id)?.set_year(1960).liner().insert(1, "iner")?;
    tx.commit().await?;
    let a = store.load::<v2::Album>(id).await?.ok_or("album missing")?;
    assert_eq!((a.year, a.liner.as_str()), (1960, "liner"));
    assert_clean(&*store).await?;
    E::close(&place, store);
    expect_index_entries::<E>(&place, "mood", 0, "the removed field's index is dropped")?;

    // The data was never thrown away: bringing the field back shows its last value.
    let store = open::<E, v1::Album>(&place)?;
    let a = store.load::<v1::Album>(id).await?.ok_or("album missing")?;
    assert_eq!((a.mood.as_str(), a.year, a.memo.as_str(), a.liner.as_str()), ("green", 1960, "m", "liner"));
    let page = store.query("album", &Query::filter(Filter::field("mood", Op::Eq("green".into())))).await?;
    assert_eq!(page.ids(), [id], "the returning field's index is backfilled");
    assert_clean(&*store).await?;
    Ok(())
}

mod unindexed {
    pub mod v1 {
        use chronicle_model::Model;

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: i32,
        }
    }

    pub mod v2 {
        use chronicle_model::Model;

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            #[chronicle(unindexed)]
            pub year: i32,
        }
    }
}

async fn an_index_is_dropped_when_its_field_becomes_unindexed<E: Engine>() -> R {
    use unindexed::{v1, v2};
    let place = Place::new()?;
    let mut ids = Vec::new();
    {
        let store = open::<E, v1::Album>(&place)?;
        let mut tx = store.begin("alice");
        for (name, year) in [("a", 1959), ("b", 1960), ("c", 1961)] {
            ids.push(tx.create(v1::Album { name: name.into(), year })?);
        }
        tx.commit().await?;
        E::close(&place, store);
    }
    expect_index_entries::<E>(&place, "year", 3, "v1 indexes `year`")?;

    let store = open::<E, v2::Album>(&place)?;
    assert_clean(&*store).await?;
    // Filters still work (by a scan); ordering needs the index.
    let page = store.query("album", &Query::filter(Filter::field("year", Op::Gte(1960.into())))).await?;
    assert_eq!(page.ids(), [ids[1], ids[2]]);
    let refused = store.query("album", &Query { order: vec![OrderBy::asc("year")], ..Query::default() }).await;
    assert!(matches!(refused, Err(StoreError::InvalidQuery(_))), "{refused:?}");
    // Writes no longer add entries.
    let mut tx = store.begin("bob");
    tx.create(v2::Album { name: "d".into(), year: 1962 })?;
    tx.edit::<v2::Album>(ids[0])?.set_year(1958);
    tx.commit().await?;
    assert_clean(&*store).await?;
    E::close(&place, store);
    expect_index_entries::<E>(&place, "year", 0, "no stray entries")?;
    expect_index_entries::<E>(&place, "name", 4, "the other index is untouched")?;
    Ok(())
}

mod retyped {
    pub mod v1 {
        use chronicle_model::{Model, ModelEnum, Text};

        #[derive(Debug, Clone, Copy, PartialEq, Eq, ModelEnum)]
        pub enum Format {
            Vinyl,
            Cd,
        }

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: i32,
            pub rank: Option<i32>,
            pub format: Format,
            pub notes: Text,
        }
    }

    /// `year` becomes a String.
    pub mod year_string {
        use super::v1::Format;
        use chronicle_model::{Model, Text};

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: String,
            pub rank: Option<i32>,
            pub format: Format,
            pub notes: Text,
        }
    }

    /// `rank` becomes required.
    pub mod rank_required {
        use super::v1::Format;
        use chronicle_model::{Model, Text};

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: i32,
            pub rank: i32,
            pub format: Format,
            pub notes: Text,
        }
    }

    /// `notes` becomes a plain String.
    pub mod notes_string {
        use super::v1::Format;
        use chronicle_model::Model;

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: i32,
            pub rank: Option<i32>,
            pub format: Format,
            pub notes: String,
        }
    }

    /// `format` loses a variant.
    pub mod fewer_formats {
        use chronicle_model::{Model, ModelEnum, Text};

        #[derive(Debug, Clone, Copy, PartialEq, Eq, ModelEnum)]
        pub enum Format {
            Vinyl,
        }

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: i32,
            pub rank: Option<i32>,
            pub format: Format,
            pub notes: Text,
        }
    }

    /// Compatible: `year` becomes optional, `format` gains a variant.
    pub mod v2 {
        use chronicle_model::{Model, ModelEnum, Text};

        #[derive(Debug, Clone, Copy, PartialEq, Eq, ModelEnum)]
        pub enum Format {
            Vinyl,
            Cd,
            Cassette,
        }

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: Option<i32>,
            pub rank: Option<i32>,
            pub format: Format,
            pub notes: Text,
        }
    }
}

async fn seed_retyped<E: Engine>(place: &Place) -> Result<Vec<EntityId>, Box<dyn Error>> {
    use retyped::v1;
    let store = open::<E, v1::Album>(place)?;
    let mut tx = store.begin("alice");
    let a = tx.create(v1::Album {
        name: "a".into(),
        year: 1959,
        rank: Some(2),
        format: v1::Format::Cd,
        notes: Text::from("n"),
    })?;
    let b = tx.create(v1::Album {
        name: "b".into(),
        year: 1960,
        rank: None,
        format: v1::Format::Vinyl,
        notes: Text::default(),
    })?;
    tx.commit().await?;
    E::close(place, store);
    Ok(vec![a, b])
}

#[tokio::test]
async fn an_incompatible_type_change_is_refused_and_changes_nothing() -> R {
    use retyped::{fewer_formats, notes_string, rank_required, v1, year_string};
    let place = Place::new()?;
    let ids = seed_retyped::<Sled>(&place).await?;

    type Opened = Result<Arc<SledStore>, StoreError>;
    let attempts: [(&str, Opened, &str, &str); 4] = [
        ("year", open::<Sled, year_string::Album>(&place), "i32", "String"),
        ("rank", open::<Sled, rank_required::Album>(&place), "Option<i32>", "i32"),
        ("notes", open::<Sled, notes_string::Album>(&place), "Text", "String"),
        ("format", open::<Sled, fewer_formats::Album>(&place), "Format", "Format"),
    ];
    for (field_name, result, old_type, new_type) in attempts {
        match result {
            Err(e @ StoreError::IncompatibleSchema { .. }) => {
                let StoreError::IncompatibleSchema { model, field, old, new } = &e else { unreachable!() };
                assert_eq!(
                    (model.as_str(), field.as_str(), old.as_str(), new.as_str()),
                    ("Album", field_name, old_type, new_type)
                );
                let message = e.to_string();
                for part in ["`Album`", &format!("`{field_name}`"), old_type, new_type] {
                    assert!(message.contains(part), "{message:?} does not name {part}");
                }
            }
            Err(other) => {
                return Err(format!("changing `{field_name}`: expected IncompatibleSchema, got {other}").into());
            }
            Ok(_) => return Err(format!("changing `{field_name}` was accepted").into()),
        }
    }

    // The refusals left the directory as it was.
    let store = open::<Sled, v1::Album>(&place)?;
    let a = store.load::<v1::Album>(ids[0]).await?.ok_or("album missing")?;
    assert_eq!((a.year, a.rank, a.format, a.notes.as_str()), (1959, Some(2), v1::Format::Cd, "n"));
    let page = store.query("album", &Query::filter(Filter::field("year", Op::Eq(1960.into())))).await?;
    assert_eq!(page.ids(), [ids[1]]);
    assert_clean(&*store).await?;
    Ok(())
}

async fn a_compatible_type_change_is_accepted<E: Engine>() -> R {
    use retyped::v2;
    let place = Place::new()?;
    let ids = seed_retyped::<E>(&place).await?;

    let store = open::<E, v2::Album>(&place)?;
    let a = store.load::<v2::Album>(ids[0]).await?.ok_or("album missing")?;
    assert_eq!((a.year, a.format), (Some(1959), v2::Format::Cd));
    let b = store.load::<v2::Album>(ids[1]).await?.ok_or("album missing")?;
    assert_eq!((b.year, b.format), (Some(1960), v2::Format::Vinyl));
    // The old index entries still serve the widened type.
    let page = store.query("album", &Query::filter(Filter::field("year", Op::Eq(1959.into())))).await?;
    assert_eq!(page.ids(), [ids[0]]);
    assert_clean(&*store).await?;

    // The new possibilities can be written and found.
    let mut tx = store.begin("bob");
    tx.edit::<v2::Album>(ids[1])?.set_year(None).set_format(v2::Format::Cassette);
    tx.commit().await?;
    let page = store.query("album", &Query::filter(Filter::field("year", Op::IsNull(true)))).await?;
    assert_eq!(page.ids(), [ids[1]]);
    let page = store.query("album", &Query::filter(Filter::field("format", Op::Eq("Cassette".into())))).await?;
    assert_eq!(page.ids(), [ids[1]]);
    assert_clean(&*store).await?;
    E::close(&place, store);

    let store = open::<E, v2::Album>(&place)?;
    let b = store.load::<v2::Album>(ids[1]).await?.ok_or("album missing")?;
    assert_eq!((b.year, b.format), (None, v2::Format::Cassette));
    Ok(())
}

mod readded {
    pub mod v1 {
        use chronicle_model::Model;

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: i32,
        }
    }

    pub mod v2 {
        use chronicle_model::Model;

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
        }
    }

    pub mod v3 {
        use chronicle_model::Model;

        #[derive(Debug, Clone, Model)]
        #[chronicle(collection = "album")]
        pub struct Album {
            pub name: String,
            pub year: String,
        }
    }
}

#[tokio::test]
async fn a_removed_field_cannot_come_back_with_another_type() -> R {
    use readded::{v1, v2, v3};
    let place = Place::new()?;
    let id = {
        let store = open::<Sled, v1::Album>(&place)?;
        let mut tx = store.begin("alice");
        let id = tx.create(v1::Album { name: "a".into(), year: 1959 })?;
        tx.commit().await?;
        id
    };
    drop(open::<Sled, v2::Album>(&place)?);
    match open::<Sled, v3::Album>(&place) {
        Err(StoreError::IncompatibleSchema { model, field, old, new }) => {
            assert_eq!(
                (model.as_str(), field.as_str(), old.as_str(), new.as_str()),
                ("Album", "year", "i32", "String")
            );
        }
        Err(other) => return Err(format!("expected IncompatibleSchema, got {other}").into()),
        Ok(store) => {
            let read = store.load::<v3::Album>(id).await;
            return Err(format!("`year` came back as a String over i32 data; reading gives {read:?}").into());
        }
    }
    // Coming back with its old type is fine, and shows the old value.
    let store = open::<Sled, v1::Album>(&place)?;
    assert_eq!(store.load::<v1::Album>(id).await?.ok_or("album missing")?.year, 1959);
    assert_clean(&*store).await?;
    Ok(())
}
