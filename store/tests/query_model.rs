//! Queries checked against a model: random entities (some updated, some
//! deleted), random filters over every operator, random orderings and page
//! sizes, on a real sled store. Every page walk is compared with a brute
//! force evaluation written here from each type's natural order, without the
//! store's `Filter::matches` or collation. Every test runs on every engine.
//!
//! Also: a cursor stays right while another writer inserts between page
//! reads, and malformed queries are refused with the right error.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::error::Error;
use std::sync::Arc;

use chronicle_model::{EntityId, Model, ModelEnum, Ref, Text, Value, View, models};
use chronicle_store::{Filter, Op, OrderBy, Query, Storage, StorageExt, StoreError};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use support::{Engine, Memory, Options, Place, R, Sled};

mod support;

engine_tests!(
    a_cursor_survives_inserts_and_deletes_between_pages,
    paging_by_id_while_another_thread_inserts_misses_nothing,
    malformed_queries_are_refused_with_the_right_error,
);

/// Declared in the order of the variant names, so declaration order and
/// name order agree (the store sorts enums by their stored name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, ModelEnum)]
pub enum Genre {
    Blues,
    Folk,
    Jazz,
    Rock,
}

const GENRES: [Genre; 4] = [Genre::Blues, Genre::Folk, Genre::Jazz, Genre::Rock];

#[derive(Debug, Clone, Model)]
pub struct Label {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Model)]
pub struct Record {
    pub name: String,
    pub year: i32,
    pub plays: i64,
    pub rating: f64,
    pub live: bool,
    pub nick: Option<String>,
    pub rank: Option<i32>,
    pub label: Ref<Label>,
    pub genre: Genre,
    #[chronicle(unindexed)]
    pub note: String,
    pub liner: Text,
}

// ---------------------------------------------------------------------------
// The test's own view of values: native Rust values and their natural order.

/// A field of `Record` the test filters and sorts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum F {
    Name,
    Year,
    Plays,
    Rating,
    Live,
    Nick,
    Rank,
    Label,
    Genre,
    Note,
}

const FIELDS: [F; 10] = [F::Name, F::Year, F::Plays, F::Rating, F::Live, F::Nick, F::Rank, F::Label, F::Genre, F::Note];
const INDEXED: [F; 9] = [F::Name, F::Year, F::Plays, F::Rating, F::Live, F::Nick, F::Rank, F::Label, F::Genre];

impl F {
    fn name(self) -> &'static str {
        match self {
            F::Name => "name",
            F::Year => "year",
            F::Plays => "plays",
            F::Rating => "rating",
            F::Live => "live",
            F::Nick => "nick",
            F::Rank => "rank",
            F::Label => "label",
            F::Genre => "genre",
            F::Note => "note",
        }
    }

    fn is_string(self) -> bool {
        matches!(self, F::Name | F::Nick | F::Note)
    }

    fn get(self, r: &Record) -> N {
        match self {
            F::Name => N::Str(r.name.clone()),
            F::Year => N::I32(r.year),
            F::Plays => N::I64(r.plays),
            F::Rating => N::F64(r.rating),
            F::Live => N::Bool(r.live),
            F::Nick => r.nick.clone().map_or(N::Null, N::Str),
            F::Rank => r.rank.map_or(N::Null, N::I32),
            F::Label => N::Id(r.label.id()),
            F::Genre => N::Genre(r.genre),
            F::Note => N::Str(r.note.clone()),
        }
    }
}

/// A native field value.
#[derive(Clone, Debug, PartialEq)]
enum N {
    Null,
    Str(String),
    I32(i32),
    I64(i64),
    F64(f64),
    Bool(bool),
    Id(EntityId),
    Genre(Genre),
    /// A label chosen by index, resolved to an id once the labels exist
    /// (index 3 is an id that is no label's).
    LabelSlot(usize),
}

impl N {
    fn resolve(&self, labels: &[EntityId]) -> N {
        match self {
            N::LabelSlot(i) => N::Id(labels[*i]),
            other => other.clone(),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            N::Null => Value::Null,
            N::Str(s) => Value::String(s.clone()),
            N::I32(n) => Value::I32(*n),
            N::I64(n) => Value::I64(*n),
            N::F64(f) => Value::F64(*f),
            N::Bool(b) => Value::Bool(*b),
            N::Id(id) => Value::Ref(*id),
            N::Genre(g) => Value::String(g.as_str().to_owned()),
            N::LabelSlot(i) => panic!("label slot {i} was not resolved"),
        }
    }
}

/// The natural order of two non-null values of one type.
fn natural(a: &N, b: &N) -> Ordering {
    match (a, b) {
        (N::Str(a), N::Str(b)) => a.cmp(b),
        (N::I32(a), N::I32(b)) => a.cmp(b),
        (N::I64(a), N::I64(b)) => a.cmp(b),
        // The contract: floats collate in IEEE total order.
        (N::F64(a), N::F64(b)) => a.total_cmp(b),
        (N::Bool(a), N::Bool(b)) => a.cmp(b),
        (N::Id(a), N::Id(b)) => a.cmp(b),
        (N::Genre(a), N::Genre(b)) => a.cmp(b),
        _ => panic!("comparing values of different types: {a:?} and {b:?}"),
    }
}

/// Null first, then the natural order.
fn nullable(a: &N, b: &N) -> Ordering {
    match (a, b) {
        (N::Null, N::Null) => Ordering::Equal,
        (N::Null, _) => Ordering::Less,
        (_, N::Null) => Ordering::Greater,
        _ => natural(a, b),
    }
}

/// A predicate on one field, with native operands.
#[derive(Clone, Debug)]
enum P {
    Eq(N),
    Ne(N),
    In(Vec<N>),
    Lt(N),
    Lte(N),
    Gt(N),
    Gte(N),
    StartsWith(String),
    IsNull(bool),
}

#[derive(Clone, Debug)]
enum TF {
    Field(F, P),
    And(Vec<TF>),
    Or(Vec<TF>),
}

impl TF {
    fn resolve(&self, labels: &[EntityId]) -> TF {
        let r = |n: &N| n.resolve(labels);
        match self {
            TF::And(all) => TF::And(all.iter().map(|f| f.resolve(labels)).collect()),
            TF::Or(any) => TF::Or(any.iter().map(|f| f.resolve(labels)).collect()),
            TF::Field(f, p) => TF::Field(
                *f,
                match p {
                    P::Eq(v) => P::Eq(r(v)),
                    P::Ne(v) => P::Ne(r(v)),
                    P::In(vs) => P::In(vs.iter().map(r).collect()),
                    P::Lt(v) => P::Lt(r(v)),
                    P::Lte(v) => P::Lte(r(v)),
                    P::Gt(v) => P::Gt(r(v)),
                    P::Gte(v) => P::Gte(r(v)),
                    P::StartsWith(s) => P::StartsWith(s.clone()),
                    P::IsNull(b) => P::IsNull(*b),
                },
            ),
        }
    }

    /// The store's filter for this one.
    fn to_filter(&self) -> Filter {
        match self {
            TF::And(all) => Filter::And(all.iter().map(TF::to_filter).collect()),
            TF::Or(any) => Filter::Or(any.iter().map(TF::to_filter).collect()),
            TF::Field(f, p) => Filter::field(
                f.name(),
                match p {
                    P::Eq(v) => Op::Eq(v.to_value()),
                    P::Ne(v) => Op::Ne(v.to_value()),
                    P::In(vs) => Op::In(vs.iter().map(N::to_value).collect()),
                    P::Lt(v) => Op::Lt(v.to_value()),
                    P::Lte(v) => Op::Lte(v.to_value()),
                    P::Gt(v) => Op::Gt(v.to_value()),
                    P::Gte(v) => Op::Gte(v.to_value()),
                    P::StartsWith(s) => Op::StartsWith(s.clone()),
                    P::IsNull(b) => Op::IsNull(*b),
                },
            ),
        }
    }

    /// The brute force: a null value only satisfies `IsNull(true)` and `Ne`.
    fn eval(&self, r: &Record) -> bool {
        match self {
            TF::And(all) => all.iter().all(|f| f.eval(r)),
            TF::Or(any) => any.iter().any(|f| f.eval(r)),
            TF::Field(f, p) => {
                let v = f.get(r);
                let present = v != N::Null;
                let cmp = |o: &N| natural(&v, o);
                match p {
                    P::IsNull(want) => present != *want,
                    P::Ne(o) => !present || cmp(o) != Ordering::Equal,
                    _ if !present => false,
                    P::Eq(o) => cmp(o) == Ordering::Equal,
                    P::In(os) => os.iter().any(|o| cmp(o) == Ordering::Equal),
                    P::Lt(o) => cmp(o) == Ordering::Less,
                    P::Lte(o) => cmp(o) != Ordering::Greater,
                    P::Gt(o) => cmp(o) == Ordering::Greater,
                    P::Gte(o) => cmp(o) != Ordering::Less,
                    P::StartsWith(prefix) => matches!(&v, N::Str(s) if s.starts_with(prefix.as_str())),
                }
            }
        }
    }
}

/// One sort key: a field or the id, and whether descending.
#[derive(Clone, Copy, Debug)]
enum Key {
    Field(F),
    Id,
}

fn brute_order(order: &[(Key, bool)], a: (&EntityId, &Record), b: (&EntityId, &Record)) -> Ordering {
    for &(key, desc) in order {
        let o = match key {
            Key::Field(f) => nullable(&f.get(a.1), &f.get(b.1)),
            Key::Id => a.0.cmp(b.0),
        };
        let o = if desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
        if matches!(key, Key::Id) {
            return o;
        }
    }
    a.0.cmp(b.0)
}

// ---------------------------------------------------------------------------
// Strategies.

fn string_value() -> BoxedStrategy<String> {
    prop::collection::vec(prop::sample::select(vec!['a', 'b', '\0', 'é']), 0..4).prop_map(String::from_iter).boxed()
}

fn i32_value() -> BoxedStrategy<i32> {
    prop_oneof![6 => -3i32..=3, 1 => Just(i32::MIN), 1 => Just(i32::MAX)].boxed()
}

fn i64_value() -> BoxedStrategy<i64> {
    prop_oneof![6 => -3i64..=3, 1 => Just(i64::MIN), 1 => Just(i64::MAX)].boxed()
}

fn f64_value() -> BoxedStrategy<f64> {
    // No NaN and no -0.0: their order is the total order's business, not this test's.
    prop::sample::select(vec![f64::NEG_INFINITY, -1e300, -1.5, -1e-300, 0.0, 1e-300, 0.5, 2.0, 1e300, f64::INFINITY])
        .boxed()
}

/// A non-null value of field `f` (label slot 3 names no label).
fn value_of(f: F) -> BoxedStrategy<N> {
    match f {
        F::Name | F::Nick | F::Note => string_value().prop_map(N::Str).boxed(),
        F::Year | F::Rank => i32_value().prop_map(N::I32).boxed(),
        F::Plays => i64_value().prop_map(N::I64).boxed(),
        F::Rating => f64_value().prop_map(N::F64).boxed(),
        F::Live => any::<bool>().prop_map(N::Bool).boxed(),
        F::Label => (0usize..4).prop_map(N::LabelSlot).boxed(),
        F::Genre => prop::sample::select(GENRES.to_vec()).prop_map(N::Genre).boxed(),
    }
}

fn predicate(f: F) -> BoxedStrategy<TF> {
    let v = || value_of(f);
    let mut ops = vec![
        v().prop_map(P::Eq).boxed(),
        v().prop_map(P::Ne).boxed(),
        prop::collection::vec(v(), 0..4).prop_map(P::In).boxed(),
        v().prop_map(P::Lt).boxed(),
        v().prop_map(P::Lte).boxed(),
        v().prop_map(P::Gt).boxed(),
        v().prop_map(P::Gte).boxed(),
        any::<bool>().prop_map(P::IsNull).boxed(),
    ];
    if f.is_string() {
        ops.push(string_value().prop_map(P::StartsWith).boxed());
    }
    prop::strategy::Union::new(ops).prop_map(move |p| TF::Field(f, p)).boxed()
}

fn filter() -> impl Strategy<Value = TF> {
    let leaf = prop::sample::select(FIELDS.to_vec()).prop_flat_map(predicate);
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(TF::And),
            prop::collection::vec(inner, 0..4).prop_map(TF::Or),
        ]
    })
}

fn order() -> impl Strategy<Value = Vec<(Key, bool)>> {
    let field_key = (prop::sample::select(INDEXED.to_vec()), any::<bool>()).prop_map(|(f, d)| (Key::Field(f), d));
    (prop::collection::vec(field_key, 0..3), prop::option::of(any::<bool>())).prop_map(|(mut keys, id)| {
        if let Some(desc) = id {
            keys.push((Key::Id, desc));
        }
        keys
    })
}

#[derive(Clone, Debug)]
struct QuerySpec {
    filter: Option<TF>,
    order: Vec<(Key, bool)>,
    first: Option<usize>,
    count: bool,
}

fn query_spec() -> impl Strategy<Value = QuerySpec> {
    (
        prop::option::weighted(0.85, filter()),
        order(),
        prop_oneof![1 => Just(None), 8 => (1usize..8).prop_map(Some)],
        any::<bool>(),
    )
        .prop_map(|(filter, order, first, count)| QuerySpec { filter, order, first, count })
}

/// Field values of a creation, or of an update (with a mask).
#[derive(Clone, Debug)]
struct Draft {
    name: String,
    year: i32,
    plays: i64,
    rating: f64,
    live: bool,
    nick: Option<String>,
    rank: Option<i32>,
    label: usize,
    genre: Genre,
    note: String,
}

fn draft() -> impl Strategy<Value = Draft> {
    (
        (string_value(), i32_value(), i64_value(), f64_value(), any::<bool>()),
        (
            prop::option::of(string_value()),
            prop::option::of(i32_value()),
            0usize..3,
            prop::sample::select(GENRES.to_vec()),
            string_value(),
        ),
    )
        .prop_map(|((name, year, plays, rating, live), (nick, rank, label, genre, note))| Draft {
            name,
            year,
            plays,
            rating,
            live,
            nick,
            rank,
            label,
            genre,
            note,
        })
}

#[derive(Clone, Debug)]
enum Step {
    Create(Draft),
    /// Sets the fields whose bit is set in the mask, on the n-th live entity.
    Update(usize, Draft, u16),
    Delete(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => draft().prop_map(Step::Create),
        3 => (any::<usize>(), draft(), any::<u16>()).prop_map(|(n, d, m)| Step::Update(n, d, m)),
        1 => any::<usize>().prop_map(Step::Delete),
    ]
}

#[derive(Clone, Debug)]
struct Case {
    /// Each step, and whether the transaction commits after it.
    steps: Vec<(Step, bool)>,
    queries: Vec<QuerySpec>,
}

fn case() -> impl Strategy<Value = Case> {
    (prop::collection::vec((step(), prop::bool::weighted(0.3)), 0..45), prop::collection::vec(query_spec(), 1..5))
        .prop_map(|(steps, queries)| Case { steps, queries })
}

// ---------------------------------------------------------------------------
// Running a case.

/// Query semantics need no durable commits, and the property test runs many cases.
fn fast_open<E: Engine>(place: &Place) -> Result<Arc<E::Store>, StoreError> {
    E::open_with(place, models![Label, Record]?, Options { durable: false, ..Options::default() })
}

fn record(d: &Draft, labels: &[EntityId]) -> Record {
    Record {
        name: d.name.clone(),
        year: d.year,
        plays: d.plays,
        rating: d.rating,
        live: d.live,
        nick: d.nick.clone(),
        rank: d.rank,
        label: Ref::new(labels[d.label]),
        genre: d.genre,
        note: d.note.clone(),
        liner: Text::default(),
    }
}

/// The live entities the store should hold, by id.
#[derive(Default)]
struct Mirror {
    /// In creation order; `None` once deleted.
    entities: Vec<(EntityId, Option<Record>)>,
}

impl Mirror {
    fn nth_live(&self, n: usize) -> Option<EntityId> {
        let live: Vec<EntityId> = self.entities.iter().filter(|(_, r)| r.is_some()).map(|(id, _)| *id).collect();
        (!live.is_empty()).then(|| live[n % live.len()])
    }

    fn get_mut(&mut self, id: EntityId) -> Option<&mut Option<Record>> {
        self.entities.iter_mut().find(|(i, _)| *i == id).map(|(_, r)| r)
    }

    fn live(&self) -> impl Iterator<Item = (&EntityId, &Record)> {
        self.entities.iter().filter_map(|(id, r)| r.as_ref().map(|r| (id, r)))
    }
}

async fn build(store: &impl Storage, steps: &[(Step, bool)], labels: &[EntityId]) -> Result<Mirror, Box<dyn Error>> {
    let mut mirror = Mirror::default();
    let mut tx = store.begin("writer");
    let mut touched = HashSet::new();
    for (step, commit_after) in steps {
        let target = match step {
            Step::Create(_) => None,
            Step::Update(n, ..) | Step::Delete(n) => match mirror.nth_live(*n) {
                Some(id) => Some(id),
                None => continue,
            },
        };
        if let Some(id) = target
            && touched.contains(&id)
        {
            tx.commit().await?;
            tx = store.begin("writer");
            touched.clear();
        }
        match step {
            Step::Create(d) => {
                let r = record(d, labels);
                let id = tx.create(r.clone())?;
                touched.insert(id);
                mirror.entities.push((id, Some(r)));
            }
            Step::Update(_, d, mask) => {
                let id = target.ok_or("update without a target")?;
                touched.insert(id);
                let r = mirror.get_mut(id).and_then(Option::as_mut).ok_or("update of a missing entity")?;
                let mut e = tx.edit::<Record>(id)?;
                let bit = |i: u32| mask & (1 << i) != 0;
                if bit(0) {
                    e.set_name(d.name.clone());
                    r.name = d.name.clone();
                }
                if bit(1) {
                    e.set_year(d.year);
                    r.year = d.year;
                }
                if bit(2) {
                    e.set_plays(d.plays);
                    r.plays = d.plays;
                }
                if bit(3) {
                    e.set_rating(d.rating);
                    r.rating = d.rating;
                }
                if bit(4) {
                    e.set_live(d.live);
                    r.live = d.live;
                }
                if bit(5) {
                    e.set_nick(d.nick.clone());
                    r.nick = d.nick.clone();
                }
                if bit(6) {
                    e.set_rank(d.rank);
                    r.rank = d.rank;
                }
                if bit(7) {
                    e.set_label(Ref::new(labels[d.label]));
                    r.label = Ref::new(labels[d.label]);
                }
                if bit(8) {
                    e.set_genre(d.genre);
                    r.genre = d.genre;
                }
                if bit(9) {
                    e.set_note(d.note.clone());
                    r.note = d.note.clone();
                }
            }
            Step::Delete(_) => {
                let id = target.ok_or("delete without a target")?;
                touched.insert(id);
                tx.delete::<Record>(id)?;
                *mirror.get_mut(id).ok_or("delete of a missing entity")? = None;
            }
        }
        if *commit_after {
            tx.commit().await?;
            tx = store.begin("writer");
            touched.clear();
        }
    }
    tx.commit().await?;
    Ok(mirror)
}

fn to_query(spec: &QuerySpec, labels: &[EntityId]) -> Query {
    Query {
        filter: spec.filter.as_ref().map(|f| f.resolve(labels).to_filter()),
        order: spec
            .order
            .iter()
            .map(|&(key, descending)| match key {
                Key::Field(f) => OrderBy { field: Some(f.name().to_owned()), descending },
                Key::Id => OrderBy { field: None, descending },
            })
            .collect(),
        first: spec.first,
        after: None,
        count: spec.count,
    }
}

/// Walks every page of `spec` and compares with the brute force.
async fn check_query(
    store: &impl Storage,
    mirror: &Mirror,
    spec: &QuerySpec,
    labels: &[EntityId],
) -> Result<(), Box<dyn Error>> {
    let filter = spec.filter.as_ref().map(|f| f.resolve(labels));
    let mut expected: Vec<(&EntityId, &Record)> =
        mirror.live().filter(|(_, r)| filter.as_ref().is_none_or(|f| f.eval(r))).collect();
    expected.sort_by(|a, b| brute_order(&spec.order, *a, *b));
    let expected_ids: Vec<EntityId> = expected.iter().map(|(id, _)| **id).collect();
    let by_id: HashMap<EntityId, &Record> = expected.iter().map(|(id, r)| (**id, *r)).collect();

    let page_size = spec.first.unwrap_or(chronicle_store::DEFAULT_FIRST);
    let mut query = to_query(spec, labels);
    let mut got: Vec<EntityId> = Vec::new();
    let mut seen = HashSet::new();
    let max_pages = expected_ids.len() / page_size + 2;
    for page_number in 0.. {
        if page_number >= max_pages {
            return Err(format!("more than {max_pages} pages for {} items", expected_ids.len()).into());
        }
        let page = store.query("record", &query).await?;
        let offset = got.len();
        let want: &[EntityId] = &expected_ids[offset..(offset + page_size).min(expected_ids.len())];
        if page.ids() != want {
            return Err(format!(
                "page {page_number} (offset {offset}): got {:?}, expected {want:?}; all expected {expected_ids:?}",
                page.ids()
            )
            .into());
        }
        if page.cursors.len() != page.items.len() {
            return Err("one cursor per item".into());
        }
        let more = offset + page_size < expected_ids.len();
        if page.has_next_page != more {
            return Err(format!("page {page_number}: has_next_page {} but {more} expected", page.has_next_page).into());
        }
        let total = spec.count.then_some(expected_ids.len() as u64);
        if page.total_count != total {
            return Err(format!("page {page_number}: total_count {:?}, expected {total:?}", page.total_count).into());
        }
        for item in &page.items {
            if !seen.insert(item.id) {
                return Err(format!("{} returned twice", item.id).into());
            }
            let view = View::<Record>::from_state(item)?;
            let stored = by_id.get(&item.id).ok_or("an item outside the expected set")?;
            if view.model != **stored {
                return Err(format!("item {} reads {:?}, expected {stored:?}", item.id, view.model).into());
            }
        }
        // A cursor in the middle of a page resumes right after its item.
        if page_number == 0 && page.items.len() >= 2 {
            let mut from_middle = query.clone();
            from_middle.after = Some(page.cursors[0].clone());
            let resumed = store.query("record", &from_middle).await?;
            let want = &expected_ids[1..(1 + page_size).min(expected_ids.len())];
            if resumed.ids() != want {
                return Err(format!("after the first cursor: got {:?}, expected {want:?}", resumed.ids()).into());
            }
        }
        got.extend(page.ids());
        if !page.has_next_page {
            break;
        }
        query.after = Some(page.end_cursor().ok_or("a next page but no cursor")?.to_owned());
    }
    if got != expected_ids {
        return Err(format!("pages missed items: got {got:?}, expected {expected_ids:?}").into());
    }
    Ok(())
}

async fn run_case<E: Engine>(case: &Case) -> Result<(), Box<dyn Error>> {
    let place = Place::new()?;
    let store = fast_open::<E>(&place)?;
    let mut tx = store.begin("writer");
    let mut labels = Vec::new();
    for name in ["A", "B", "C"] {
        labels.push(tx.create(Label { name: name.into() })?);
    }
    tx.commit().await?;
    labels.push(EntityId::new());
    let mirror = build(store.as_ref(), &case.steps, &labels).await?;
    for (i, spec) in case.queries.iter().enumerate() {
        check_query(store.as_ref(), &mirror, spec, &labels)
            .await
            .map_err(|e| format!("query {i} {:?}: {e}", to_query(spec, &labels)))?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn pages_match_a_brute_force_evaluation_in_memory(case in case()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
        rt.block_on(run_case::<Memory>(&case)).map_err(|e| TestCaseError::fail(e.to_string()))?;
    }

    #[test]
    fn pages_match_a_brute_force_evaluation_on_sled(case in case()) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
        rt.block_on(run_case::<Sled>(&case)).map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
}

// ---------------------------------------------------------------------------
// Cursors under concurrent writes.

fn simple(name: &str, year: i32, label: EntityId) -> Record {
    Record {
        name: name.into(),
        year,
        plays: 0,
        rating: 0.0,
        live: false,
        nick: None,
        rank: None,
        label: Ref::new(label),
        genre: Genre::Jazz,
        note: String::new(),
        liner: Text::default(),
    }
}

async fn a_cursor_survives_inserts_and_deletes_between_pages<E: Engine>() -> R {
    let store = E::open(&Place::new()?, models![Label, Record]?)?;
    let mut tx = store.begin("alice");
    let label = tx.create(Label { name: "L".into() })?;
    let mut years = HashMap::new();
    for year in [10, 20, 30, 40, 50, 60] {
        let id = tx.create(simple("x", year, label))?;
        years.insert(year, id);
    }
    tx.commit().await?;

    let mut q = Query { first: Some(3), order: vec![OrderBy::asc("year")], ..Query::default() };
    let p1 = store.query("record", &q).await?;
    assert_eq!(p1.ids(), [years[&10], years[&20], years[&30]]);
    assert!(p1.has_next_page);

    // Another writer: before the cursor, at the cursor's year (sorting after
    // it by id), after it, and a delete of an item not read yet.
    let mut tx = store.begin("bob");
    let before = tx.create(simple("before", 5, label))?;
    let same_year = tx.create(simple("same year", 30, label))?;
    let after = tx.create(simple("after", 45, label))?;
    tx.delete::<Record>(years[&50])?;
    tx.commit().await?;
    // An item already read moves before the cursor: it must not come back.
    let mut tx = store.begin("bob");
    tx.edit::<Record>(years[&20])?.set_year(1);
    tx.commit().await?;

    q.after = p1.end_cursor().map(str::to_owned);
    let p2 = store.query("record", &q).await?;
    assert_eq!(p2.ids(), [same_year, years[&40], after]);
    assert!(p2.has_next_page);
    assert_eq!(p2.total_count, Some(8), "the count covers every match, read or not");
    q.after = p2.end_cursor().map(str::to_owned);
    let p3 = store.query("record", &q).await?;
    assert_eq!(p3.ids(), [years[&60]]);
    assert!(!p3.has_next_page);
    let all: Vec<EntityId> = [p1.ids(), p2.ids(), p3.ids()].concat();
    assert!(!all.contains(&before), "an item inserted before the cursor is not shown");
    assert!(!all.contains(&years[&50]), "a deleted item is not shown");

    // The same cursor, read again, gives the same page.
    q.after = p1.end_cursor().map(str::to_owned);
    assert_eq!(store.query("record", &q).await?.ids(), p2.ids());
    Ok(())
}

async fn paging_by_id_while_another_thread_inserts_misses_nothing<E: Engine>() -> R {
    let place = Place::new()?;
    let store = fast_open::<E>(&place)?;
    let mut tx = store.begin("alice");
    let label = tx.create(Label { name: "L".into() })?;
    let mut initial = Vec::new();
    for i in 0..40 {
        initial.push(tx.create(simple("x", i, label))?);
    }
    tx.commit().await?;

    let writer = {
        let store = store.clone();
        std::thread::spawn(move || -> Result<Vec<EntityId>, String> {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            rt.block_on(async {
                let mut inserted = Vec::new();
                for i in 0..60 {
                    let mut tx = store.begin("bob");
                    inserted.push(tx.create(simple("y", 100 + i, label)).map_err(|e| e.to_string())?);
                    tx.commit().await.map_err(|e| e.to_string())?;
                    if i % 8 == 0 {
                        tokio::task::yield_now().await;
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                }
                Ok(inserted)
            })
        })
    };

    let mut q = Query { first: Some(4), ..Query::default() };
    let mut got: Vec<EntityId> = Vec::new();
    let mut writer = Some(writer);
    let mut inserted = Vec::new();
    loop {
        let page = store.query("record", &q).await?;
        got.extend(page.ids());
        if let Some(end) = page.end_cursor() {
            q.after = Some(end.to_owned());
        }
        if !page.has_next_page {
            // Only stop once the writer is done and a last read finds nothing new.
            match writer.take() {
                Some(w) => inserted = w.join().map_err(|_| "the writer panicked")??,
                None => break,
            }
        }
    }
    assert!(got.windows(2).all(|w| w[0] < w[1]), "ids strictly ascending, none repeated");
    // Ids are minted in order and a writer's id is minted after every id
    // committed before it, so every insert lands after any cursor read earlier.
    let mut want: Vec<EntityId> = initial.into_iter().chain(inserted).collect();
    want.sort();
    assert_eq!(got.len(), 100);
    assert_eq!(got, want);
    Ok(())
}

// ---------------------------------------------------------------------------
// Refusals.

async fn malformed_queries_are_refused_with_the_right_error<E: Engine>() -> R {
    let store = E::open(&Place::new()?, models![Label, Record]?)?;
    let mut tx = store.begin("alice");
    let label = tx.create(Label { name: "L".into() })?;
    for year in 0..3 {
        tx.create(simple("x", year, label))?;
    }
    tx.commit().await?;
    let q = |filter: Filter| Query::filter(filter);
    let invalid_query = |r: Result<chronicle_store::Page, StoreError>| matches!(r, Err(StoreError::InvalidQuery(_)));

    // Cursors that no query returned.
    for cursor in ["not base64!", "", "AQ", "AgAAAAAAAAAAAAAAAAAAAAA", "AQAAAA"] {
        let query = Query { after: Some(cursor.to_owned()), ..Query::default() };
        let result = store.query("record", &query).await;
        assert!(matches!(result, Err(StoreError::InvalidCursor(_))), "cursor {cursor:?}: {result:?}");
    }

    // A cursor is bound to its query: another ordering or filter refuses it.
    let by_year = Query { order: vec![OrderBy::asc("year")], first: Some(1), ..Query::default() };
    let cursor = store.query("record", &by_year).await?.end_cursor().map(str::to_owned);
    let next = Query { after: cursor.clone(), ..by_year.clone() };
    assert_eq!(store.query("record", &next).await?.items.len(), 1, "its own query accepts it");
    for other in [
        Query { order: vec![OrderBy::desc("year")], ..next.clone() },
        Query { order: Vec::new(), ..next.clone() },
        Query { filter: Some(Filter::field("year", Op::Gte(0.into()))), ..next.clone() },
    ] {
        let result = store.query("record", &other).await;
        assert!(matches!(result, Err(StoreError::ForeignCursor(_))), "{other:?}: {result:?}");
    }

    // Null operands, on indexed and unindexed fields.
    for filter in [
        Filter::field("year", Op::Eq(Value::Null)),
        Filter::field("rank", Op::Ne(Value::Null)),
        Filter::field("nick", Op::In(vec![Value::from("a"), Value::Null])),
        Filter::field("note", Op::Lt(Value::Null)),
        Filter::And(vec![Filter::field("year", Op::Gte(1.into())), Filter::field("plays", Op::Lte(Value::Null))]),
        Filter::Or(vec![Filter::field("rating", Op::Gt(Value::Null))]),
    ] {
        let result = store.query("record", &q(filter.clone())).await;
        assert!(invalid_query(result), "null operand in {filter:?} was not refused");
    }

    // Operands of the wrong type.
    for filter in [
        Filter::field("year", Op::Eq(Value::from("1959"))),
        Filter::field("year", Op::Eq(Value::I64(1959))),
        Filter::field("plays", Op::Lt(Value::I32(1))),
        Filter::field("rating", Op::Gte(Value::I32(1))),
        Filter::field("live", Op::Eq(Value::I32(1))),
        Filter::field("label", Op::Eq(Value::from("L"))),
        Filter::field("genre", Op::Eq(Value::from("Polka"))),
        Filter::field("note", Op::In(vec![Value::from("a"), Value::I32(1)])),
        Filter::field("year", Op::StartsWith("19".into())),
        Filter::field("genre", Op::StartsWith("J".into())),
        Filter::field("liner", Op::Eq(Value::from("x"))),
    ] {
        let result = store.query("record", &q(filter.clone())).await;
        assert!(invalid_query(result), "{filter:?} was not refused");
    }

    // Ordering by a field without an index.
    for field in ["note", "liner"] {
        let query = Query { order: vec![OrderBy::asc(field)], ..Query::default() };
        let result = store.query("record", &query).await;
        assert!(invalid_query(result), "ordering by `{field}` was not refused");
    }

    // Page sizes are the caller's policy: the store serves any.
    let query = Query { first: Some(100_000), ..Query::default() };
    assert_eq!(store.query("record", &query).await?.items.len(), 3);

    // The well-formed versions of the refused queries do run.
    let fine = Filter::And(vec![
        Filter::field("genre", Op::Eq(Value::from("Jazz"))),
        Filter::field("note", Op::StartsWith(String::new())),
        Filter::field("year", Op::In(vec![0.into(), 2.into()])),
    ]);
    assert_eq!(store.query("record", &q(fine)).await?.items.len(), 2);
    Ok(())
}
