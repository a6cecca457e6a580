//! Every store end to end (the generic suite, run once per engine): commit,
//! read, reopen, history, audit, the log, queries, signals, ENTERED/LEFT
//! classification and verify.

mod support;

use chronicle_model::{ChangeKind, EventKind, Model, Ref, Scope, Text, Timestamp, models};
use chronicle_store::{AuditFilter, AuditQuery, Filter, Op, OrderBy, Query, Storage, StorageExt, StoreError};
use futures_util::StreamExt;
use support::{Engine, Place, R};

#[derive(Debug, Clone, Model)]
pub struct Artist {
    pub name: String,
    pub country: Option<String>,
}

#[derive(Debug, Clone, Model)]
pub struct Album {
    pub name: String,
    pub year: i32,
    pub artist: Ref<Artist>,
    pub description: Text,
}

fn audit(filter: AuditFilter, first: usize, before: Option<chronicle_model::EventId>) -> AuditQuery {
    AuditQuery { filter, first, before }
}

fn models() -> Result<chronicle_model::Models, chronicle_model::ModelError> {
    models![Artist, Album]
}

engine_tests!(
    commit_read_reopen_and_history,
    queries_use_indexes_for_relations_and_ranges,
    audit_log_and_signals,
    live_filters_see_entered_and_left,
    pages_over_a_range_of_the_ordering_field_come_in_order,
);

async fn commit_read_reopen_and_history<E: Engine>() -> R {
    let place = Place::new()?;
    let (miles, album, created) = {
        let store = E::open(&place, models()?)?;
        let mut tx = store.begin("alice");
        let miles = tx.create(Artist { name: "Miles Davis".into(), country: Some("US".into()) })?;
        let album = tx.create(Album {
            name: "Kind of Blue".into(),
            year: 1959,
            artist: Ref::new(miles),
            description: Text::from("Modal"),
        })?;
        let created = tx.commit().await?;
        let mut tx = store.begin("bob");
        tx.edit::<Album>(album)?.set_year(1960).description().insert(5, " jazz")?;
        tx.commit().await?;
        E::close(&place, store);
        (miles, album, created)
    };
    let store = E::open(&place, models()?)?;
    assert_eq!(store.last_seq(), 3);
    let a = store.load::<Album>(album).await?.ok_or("album missing after reopen")?;
    assert_eq!((a.year, a.description.as_str(), a.meta.updated_by.as_str()), (1960, "Modal jazz", "bob"));
    assert_eq!(a.artist.id(), miles);
    let history = store.history("album", album).await?;
    assert_eq!(history.iter().map(|e| e.event.kind()).collect::<Vec<_>>(), [EventKind::Created, EventKind::Updated]);
    let then = store.load_at::<Album>(album, created[1].id).await?.map(|v| v.year);
    assert_eq!(then, Some(1959));
    assert!(store.load_at_time::<Album>(album, Timestamp::from_millis(0)).await?.is_none());
    assert!(store.verify().await?.is_clean());
    Ok(())
}

async fn queries_use_indexes_for_relations_and_ranges<E: Engine>() -> R {
    let store = E::open(&Place::new()?, models()?)?;
    let mut tx = store.begin("alice");
    let miles = tx.create(Artist { name: "Miles Davis".into(), country: None })?;
    let coltrane = tx.create(Artist { name: "John Coltrane".into(), country: None })?;
    let mut ids = Vec::new();
    for (i, (name, artist)) in
        [("Kind of Blue", miles), ("Giant Steps", coltrane), ("Sketches of Spain", miles)].into_iter().enumerate()
    {
        ids.push(tx.create(Album {
            name: name.into(),
            year: 1959 + i as i32,
            artist: Ref::new(artist),
            description: Text::default(),
        })?);
    }
    tx.commit().await?;

    let by_miles = store.query("album", &Query::filter(Filter::field("artist", Op::Eq(miles.into())))).await?;
    assert_eq!(by_miles.ids(), [ids[0], ids[2]]);
    let mut q = Query::filter(Filter::field("year", Op::Gt(1959.into())));
    q.order = vec![OrderBy::desc("year")];
    assert_eq!(store.query("album", &q).await?.ids(), [ids[2], ids[1]]);
    let q = Query::filter(Filter::field("name", Op::StartsWith("Sk".into())));
    assert_eq!(store.query("album", &q).await?.ids(), [ids[2]]);
    let null_operand = Query::filter(Filter::field("year", Op::Eq(chronicle_model::Value::Null)));
    assert!(matches!(store.query("album", &null_operand).await, Err(StoreError::InvalidQuery(_))));

    // Paging by two, in id order.
    let mut q = Query { first: Some(2), ..Query::default() };
    let p1 = store.query("album", &q).await?;
    assert!(p1.has_next_page);
    assert_eq!(p1.total_count, Some(3));
    q.after = p1.end_cursor().map(str::to_owned);
    let p2 = store.query("album", &q).await?;
    assert_eq!([p1.ids(), p2.ids()].concat(), ids);
    assert!(!p2.has_next_page);

    let mut tx = store.begin("carol");
    tx.delete::<Album>(ids[0])?;
    tx.commit().await?;
    let by_miles = store.query("album", &Query::filter(Filter::field("artist", Op::Eq(miles.into())))).await?;
    assert_eq!(by_miles.ids(), [ids[2]]);
    assert!(store.verify().await?.is_clean());
    Ok(())
}

async fn audit_log_and_signals<E: Engine>() -> R {
    let store = E::open(&Place::new()?, models()?)?;
    let mut all = store.subscribe(Scope::All);
    let mut tx = store.begin("alice");
    let a = tx.create(Artist { name: "A".into(), country: None })?;
    tx.commit().await?;
    let mut tx = store.begin("bob");
    tx.edit::<Artist>(a)?.set_country(Some("FR".to_string()));
    tx.commit().await?;
    let mut tx = store.begin("alice");
    tx.edit::<Artist>(a)?.set_name("B");
    tx.commit().await?;

    let by_alice =
        store.audit(&audit(AuditFilter { user_id: Some("alice".into()), ..AuditFilter::default() }, 10, None)).await?;
    assert_eq!(by_alice.len(), 2);
    assert!(by_alice[0].event.id > by_alice[1].event.id, "newest first");
    let page = store.audit(&audit(AuditFilter::default(), 2, None)).await?;
    let rest = store.audit(&audit(AuditFilter::default(), 2, Some(page[1].event.id))).await?;
    assert_eq!(page.len() + rest.len(), 3);
    let after_one = store.events_after(1, 10).await?;
    assert_eq!(after_one.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3]);

    let mut seqs = Vec::new();
    for _ in 0..3 {
        seqs.push(all.next().await.and_then(Result::ok).map(|s| s.seq));
    }
    assert_eq!(seqs, [Some(1), Some(2), Some(3)]);
    Ok(())
}

/// A live filter classifies each change: created into it, updated within
/// it, moved in (ENTERED) or out (LEFT) by an update, deleted from it, or
/// not its concern.
async fn live_filters_see_entered_and_left<E: Engine>() -> R {
    let store = E::open(&Place::new()?, models()?)?;
    let descriptor = store.models().get("album")?.clone();
    let fifties =
        Filter::And(vec![Filter::field("year", Op::Gte(1950.into())), Filter::field("year", Op::Lt(1960.into()))]);
    let mut changes = store.subscribe(Scope::Collection("album".into()));
    let mut tx = store.begin("alice");
    let artist = tx.create(Artist { name: "Miles Davis".into(), country: None })?;
    let album = tx.create(Album {
        name: "Kind of Blue".into(),
        year: 1959,
        artist: Ref::new(artist),
        description: Text::default(),
    })?;
    let outside = tx.create(Album {
        name: "Bitches Brew".into(),
        year: 1970,
        artist: Ref::new(artist),
        description: Text::default(),
    })?;
    tx.commit().await?;
    const STEPS: usize = 5;
    for step in 0..STEPS {
        let mut tx = store.begin("bob");
        match step {
            0 => drop(tx.edit::<Album>(album)?.set_name("Kind of Blue (remastered)")),
            1 => drop(tx.edit::<Album>(album)?.set_year(1961)),
            2 => drop(tx.edit::<Album>(album)?.set_year(1955)),
            3 => drop(tx.edit::<Album>(outside)?.set_year(1971)),
            _ => tx.delete::<Album>(album)?,
        }
        tx.commit().await?;
    }
    let mut kinds = Vec::new();
    for _ in 0..2 + STEPS {
        let signal = changes.next().await.ok_or("the feed ended")?.map_err(|lag| format!("lagged: {lag:?}"))?;
        kinds.push(ChangeKind::classify(&descriptor, Some(&fifties), &signal));
    }
    use ChangeKind::*;
    assert_eq!(
        kinds,
        [Some(Created), None, Some(Updated), Some(Left), Some(Entered), None, Some(Deleted)],
        "classified through the filter"
    );
    assert!(changes.try_next().is_none(), "one signal per event");
    Ok(())
}

/// Pages ordered by an indexed field, ascending and descending (ties by id
/// ascending), under a filter on that field (the range an engine may walk
/// in order) or one no index serves: every page, resumed from its cursor,
/// continues exactly where the last one stopped.
async fn pages_over_a_range_of_the_ordering_field_come_in_order<E: Engine>() -> R {
    let store = E::open(&Place::new()?, models()?)?;
    let mut tx = store.begin("alice");
    let artist = tx.create(Artist { name: "Various".into(), country: None })?;
    let mut albums = Vec::new();
    for i in 0..40 {
        let (name, year) = (format!("{} {i}", ["Blue", "Red", "Green"][i % 3]), 1950 + (i * 7 % 13) as i32);
        let id =
            tx.create(Album { name: name.clone(), year, artist: Ref::new(artist), description: Text::default() })?;
        albums.push((name, year, id));
    }
    tx.commit().await?;
    type Album3 = (String, i32, chronicle_model::EntityId);
    type Case = (Filter, OrderBy, Box<dyn Fn(&Album3) -> bool>);
    let in_years = || Filter::field("year", Op::In(vec![1961.into(), 1951.into(), 1957.into()]));
    let cases: [Case; 7] = [
        // `!=` uses no index: the whole index of the ordering field is walked.
        (Filter::field("year", Op::Ne((-1).into())), OrderBy::desc("year"), Box::new(|_| true)),
        (Filter::field("year", Op::Gte(1955.into())), OrderBy::asc("year"), Box::new(|a| a.1 >= 1955)),
        (Filter::field("year", Op::Gte(1955.into())), OrderBy::desc("year"), Box::new(|a| a.1 >= 1955)),
        (in_years(), OrderBy::asc("year"), Box::new(|a| [1951, 1957, 1961].contains(&a.1))),
        (in_years(), OrderBy::desc("year"), Box::new(|a| [1951, 1957, 1961].contains(&a.1))),
        (Filter::field("name", Op::StartsWith("Re".into())), OrderBy::asc("name"), Box::new(|a| a.0.starts_with("Re"))),
        (
            Filter::field("name", Op::StartsWith("Re".into())),
            OrderBy::desc("name"),
            Box::new(|a| a.0.starts_with("Re")),
        ),
    ];
    for (filter, order, keep) in cases {
        let by_name = order.field.as_deref() == Some("name");
        let mut expected: Vec<&Album3> = albums.iter().filter(|a| keep(a)).collect();
        // By the field (descending when asked), then by id ascending.
        expected.sort_by(|a, b| {
            let by_field = match by_name {
                true => a.0.as_bytes().cmp(b.0.as_bytes()),
                false => a.1.cmp(&b.1),
            };
            let by_field = if order.descending { by_field.reverse() } else { by_field };
            by_field.then(a.2.cmp(&b.2))
        });
        let expected: Vec<_> = expected.into_iter().map(|a| a.2).collect();
        let order = vec![order];
        let mut query = Query { filter: Some(filter.clone()), order, first: Some(4), count: false, ..Query::default() };
        let mut got = Vec::new();
        loop {
            let page = store.query("album", &query).await?;
            got.extend(page.ids());
            if !page.has_next_page {
                break;
            }
            query.after = page.end_cursor().map(str::to_owned);
        }
        assert_eq!(got, expected, "pages of {filter:?}");
    }
    Ok(())
}
