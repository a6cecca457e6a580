//! The read paths: states, events, history, audit, the log, and queries.

use std::ops::Bound;

use chronicle_model::{EntityId, EntityState, EventId, ModelDescriptor, StoredEvent, Value, encoding};

use super::Trees;
use super::engine_error::engine;
use super::keys;
use super::record::EventRecord;
use chronicle_model::StoreError;
use chronicle_model::collate::{collate, collate_into, string_prefix};
use chronicle_model::query::{Filter, Op, Page, Query, Walk};
use chronicle_model::storage::AuditQuery;

pub fn decode_state(key: &[u8], bytes: &[u8]) -> Result<EntityState, StoreError> {
    encoding::decode(bytes, "entity state").map_err(|e| StoreError::undecodable(keys::STATES, key, e))
}

pub fn state(trees: &Trees, collection: &str, id: EntityId) -> Result<Option<EntityState>, StoreError> {
    let key = keys::state_key(collection, id);
    trees.states.get(&key).map_err(engine)?.map(|v| decode_state(&key, &v)).transpose()
}

pub fn event_record(trees: &Trees, id: EventId) -> Result<Option<EventRecord>, StoreError> {
    let key = id.to_bytes();
    trees.events.get(key).map_err(engine)?.map(|v| EventRecord::decode(&key, &v)).transpose()
}

pub fn event(trees: &Trees, id: EventId) -> Result<Option<StoredEvent>, StoreError> {
    Ok(event_record(trees, id)?.map(EventRecord::into_stored))
}

fn event_at(trees: &Trees, tree: &'static str, key: &[u8], id_bytes: &[u8]) -> Result<StoredEvent, StoreError> {
    let id = keys::id_from(id_bytes).ok_or_else(|| StoreError::corrupt(tree, key, "not an event id"))?;
    event(trees, id)?.ok_or_else(|| StoreError::corrupt(tree, key, format!("event {id} is missing")))
}

/// The events of `collection`'s entity `entity`, in apply order. Events of
/// the same id in another collection (written before ids were checked at
/// commit, and reported by `verify`) are left out.
pub fn history(trees: &Trees, collection: &str, entity: EntityId) -> Result<Vec<StoredEvent>, StoreError> {
    let mut out = Vec::new();
    for event in all_events_of(trees, entity) {
        let event = event?;
        if event.event.collection == collection {
            out.push(event);
        }
    }
    Ok(out)
}

/// Every event stored under an entity id, whatever its collection.
pub fn all_events_of(trees: &Trees, entity: EntityId) -> impl Iterator<Item = Result<StoredEvent, StoreError>> + '_ {
    trees.entity_events.scan_prefix(entity.to_bytes()).map(move |item| {
        let (k, v) = item.map_err(engine)?;
        event_at(trees, keys::ENTITY_EVENTS, &k, &v)
    })
}

/// The collection an entity id belongs to: that of its first event.
pub fn owner(trees: &Trees, entity: EntityId) -> Result<Option<String>, StoreError> {
    all_events_of(trees, entity).next().transpose().map(|first| first.map(|e| e.event.collection.clone()))
}

pub fn events_after(trees: &Trees, seq: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
    let mut out = Vec::new();
    for item in trees.log.range(keys::log_key(seq.saturating_add(1))..).take(limit) {
        let (k, v) = item.map_err(engine)?;
        out.push(event_at(trees, keys::LOG, &k, &v)?);
    }
    Ok(out)
}

/// Newest first by event id (= event time), strictly before `before`.
pub fn audit(trees: &Trees, query: &AuditQuery) -> Result<Vec<StoredEvent>, StoreError> {
    let AuditQuery { filter, first, before } = query;
    let (first, before) = (*first, *before);
    let wanted = |e: &StoredEvent| filter.matches(&e.event) && before.is_none_or(|b| e.event.id < b);
    let mut out = Vec::new();
    if let Some(entity) = filter.entity_id {
        // The filter's collection (if any) is checked by `wanted`.
        let mut all = all_events_of(trees, entity).collect::<Result<Vec<_>, _>>()?;
        all.retain(|e| wanted(e));
        all.sort_by_key(|e| std::cmp::Reverse(e.event.id));
        all.truncate(first);
        return Ok(all);
    }
    // Event ids start with their timestamp, so since/until/before bound the scan.
    let low = filter.since.map(EventId::first_at);
    let high = match (filter.until.map(EventId::last_at), before) {
        (Some(u), Some(b)) => Some(u.min(b)),
        (u, b) => u.or(b),
    };
    let (tree, prefix, tree_name) = match (&filter.user_id, &filter.collection) {
        (Some(user), _) => (&trees.user_events, keys::part(user), keys::USER_EVENTS),
        (None, Some(collection)) => (&trees.collection_events, keys::part(collection), keys::COLLECTION_EVENTS),
        (None, None) => (&trees.events, Vec::new(), keys::EVENTS),
    };
    let mut start = prefix.clone();
    if let Some(low) = low {
        start.extend(low.to_bytes());
    }
    let mut end = prefix.clone();
    match high {
        Some(high) => {
            end.extend(high.to_bytes());
            end.push(0);
        }
        None => match keys::prefix_end(&prefix) {
            Some(e) => end = e,
            None => end = vec![0xFF; 17],
        },
    }
    for item in tree.range(start..end).rev() {
        if out.len() >= first {
            break;
        }
        let (k, v) = item.map_err(engine)?;
        let stored = if tree_name == keys::EVENTS {
            EventRecord::decode(&k, &v)?.into_stored()
        } else {
            let id_bytes = &k[k.len().saturating_sub(16)..];
            event_at(trees, tree_name, &k, id_bytes)?
        };
        if wanted(&stored) {
            out.push(stored);
        }
    }
    Ok(out)
}

/// Entity ids from an index range `[start, end)` of `collection.field`.
fn index_ids(trees: &Trees, start: Vec<u8>, end: Option<Vec<u8>>) -> Result<Vec<EntityId>, StoreError> {
    let iter = match end {
        Some(end) => trees.indexes.range(start..end),
        None => trees.indexes.range(start..),
    };
    let mut ids = Vec::new();
    for item in iter {
        let (k, _) = item.map_err(engine)?;
        ids.push(keys::trailing_id(&k).ok_or_else(|| StoreError::corrupt(keys::INDEXES, &k, "key too short"))?);
    }
    Ok(ids)
}

/// An index key range: from `start` (included) to `end` (excluded; `None`: to the end).
type KeyRange = (Vec<u8>, Option<Vec<u8>>);

/// A key range as sled takes it.
type KeyBounds = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// The ranges of the index under `prefix` (one field's) whose entries are
/// exactly `op`'s matches, in ascending key order; `None` when `op` cannot
/// use an index ([`Op::uses_index`]).
fn op_ranges(prefix: &[u8], op: &Op) -> Option<Vec<KeyRange>> {
    let with = |bytes: &[u8]| [prefix, bytes].concat();
    let value = |v: &Value| -> KeyRange {
        let start = with(&collate(v));
        let end = keys::prefix_end(&start);
        (start, end)
    };
    let to_end = keys::prefix_end(prefix);
    let ranges = match op {
        Op::Eq(v) => vec![value(v)],
        Op::In(vs) => {
            let mut ranges: Vec<KeyRange> = vs.iter().map(value).collect();
            ranges.sort();
            ranges.dedup();
            ranges
        }
        // Null sorts first, so non-null ranges start just past it.
        Op::Lt(v) => vec![(with(&[0x01]), Some(with(&collate(v))))],
        Op::Lte(v) => vec![(with(&[0x01]), value(v).1)],
        Op::Gt(v) => value(v).1.map(|start| (start, to_end)).into_iter().collect(),
        Op::Gte(v) => vec![(with(&collate(v)), to_end)],
        Op::StartsWith(p) => {
            let start = with(&string_prefix(p));
            let end = keys::prefix_end(&start);
            vec![(start, end)]
        }
        Op::IsNull(true) => vec![(with(&[0x00]), Some(with(&[0x01])))],
        Op::IsNull(false) | Op::Ne(_) => return None,
    };
    Some(ranges)
}

/// The candidate ids for a whole filter (`None` when no index can give
/// them, as [`Filter::uses_index`] decides): the first indexable part of an
/// `and`, or the union over an `or` whose every branch is indexable.
fn filter_candidates(
    trees: &Trees,
    descriptor: &ModelDescriptor,
    filter: &Filter,
) -> Result<Option<Vec<EntityId>>, StoreError> {
    if !filter.uses_index(descriptor) {
        return Ok(None);
    }
    let mut ids = Vec::new();
    match filter {
        Filter::Field { field, op } => {
            let ranges = op_ranges(&keys::index_prefix(&descriptor.collection, field), op).unwrap_or_default();
            for (start, end) in ranges {
                ids.extend(index_ids(trees, start, end)?);
            }
        }
        Filter::And(all) => {
            if let Some(leading) = all.iter().find(|f| f.uses_index(descriptor)) {
                return filter_candidates(trees, descriptor, leading);
            }
        }
        Filter::Or(any) => {
            for branch in any {
                ids.extend(filter_candidates(trees, descriptor, branch)?.unwrap_or_default());
            }
        }
    }
    Ok(Some(ids))
}

/// One page. When the query's order is one the engine can read in (ids, an
/// index, an equality's index range), the page is read in that order from
/// the cursor on and reading stops after it; otherwise candidates come from
/// an index when a predicate can use one, else every state of the
/// collection, and the model's query semantics sort and cut them.
pub fn query(trees: &Trees, descriptor: &ModelDescriptor, query: &Query) -> Result<Page, StoreError> {
    query.validate(descriptor)?;
    let counted = match query.count {
        true => count_from_index(trees, descriptor, query.filter.as_ref())?,
        false => None,
    };
    if let Some(walk) = query.walk(descriptor).filter(|_| !query.count || counted.is_some()) {
        let after = query.after_key(descriptor)?;
        let mut page = query.page_in_order(descriptor, walk_states(trees, descriptor, &walk, after))?;
        page.total_count = counted;
        return Ok(page);
    }
    let indexed = match &query.filter {
        Some(f) => filter_candidates(trees, descriptor, f)?,
        None => None,
    };
    let mut candidates = Vec::new();
    match indexed {
        Some(mut ids) => {
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                candidates.extend(state(trees, &descriptor.collection, id)?);
            }
        }
        None => {
            for item in trees.states.scan_prefix(keys::part(&descriptor.collection)) {
                let (k, v) = item.map_err(engine)?;
                candidates.push(decode_state(&k, &v)?);
            }
        }
    }
    query.page(descriptor, candidates)
}

/// The number of matches of `filter`, counted from index keys without
/// reading any entity, when an index answers it exactly: every live entity
/// has one entry in each indexed field's index (nulls included), so the
/// whole collection is counted by its first indexed field. `None` when no
/// index answers the filter.
fn count_from_index(
    trees: &Trees,
    descriptor: &ModelDescriptor,
    filter: Option<&Filter>,
) -> Result<Option<u64>, StoreError> {
    let ids = match filter {
        None => {
            let Some(field) = descriptor.fields.iter().find(|f| f.indexed) else { return Ok(None) };
            let prefix = keys::index_prefix(&descriptor.collection, &field.name);
            let mut count = 0;
            for item in trees.indexes.scan_prefix(prefix) {
                item.map_err(engine)?;
                count += 1;
            }
            return Ok(Some(count));
        }
        Some(f) if f.answered_by_index(descriptor) => filter_candidates(trees, descriptor, f)?,
        Some(_) => None,
    };
    Ok(ids.map(|mut ids| {
        ids.sort_unstable();
        ids.dedup();
        ids.len() as u64
    }))
}

/// The states of `descriptor`'s collection in the order of `walk`, lazily,
/// starting after the sort key `after`.
fn walk_states<'t>(
    trees: &'t Trees,
    descriptor: &ModelDescriptor,
    walk: &Walk,
    after: Option<Vec<u8>>,
) -> Box<dyn Iterator<Item = Result<EntityState, StoreError>> + 't> {
    let collection = descriptor.collection.clone();
    // Every key under one prefix, as one range.
    let whole = |prefix: &[u8]| vec![(prefix.to_vec(), keys::prefix_end(prefix))];
    let by_index = move |entries: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>> + 't>| {
        entries.filter_map(move |item| {
            let (k, _) = match item {
                Ok(entry) => entry,
                Err(e) => return Some(Err(engine(e))),
            };
            let Some(id) = keys::trailing_id(&k) else {
                return Some(Err(StoreError::corrupt(keys::INDEXES, &k, "key too short")));
            };
            state(trees, &collection, id).transpose()
        })
    };
    let decoded = |item: sled::Result<(sled::IVec, sled::IVec)>| {
        let (k, v) = item.map_err(engine)?;
        decode_state(&k, &v)
    };
    match walk {
        Walk::Ids { descending: false } => {
            let prefix = keys::part(&descriptor.collection);
            let bounds = walk_bounds(&prefix, whole(&prefix), after, false);
            Box::new(bounds.into_iter().flat_map(move |b| trees.states.range(b)).map(decoded))
        }
        Walk::Ids { descending: true } => {
            // Descending ids sort by their inverted bytes: the cursor holds those.
            let prefix = keys::part(&descriptor.collection);
            let end = match after {
                Some(inverted) => Bound::Excluded([prefix.as_slice(), &invert(&inverted)].concat()),
                None => keys::prefix_end(&prefix).map_or(Bound::Unbounded, Bound::Excluded),
            };
            Box::new(trees.states.range((Bound::Included(prefix), end)).rev().map(decoded))
        }
        Walk::Index { field, within, descending } => {
            let prefix = keys::index_prefix(&descriptor.collection, field);
            let ranges = match within.as_ref().and_then(|op| op_ranges(&prefix, op)) {
                Some(ranges) => ranges,
                None => whole(&prefix),
            };
            let bounds = walk_bounds(&prefix, ranges, after, *descending);
            match descending {
                false => Box::new(by_index(Box::new(bounds.into_iter().flat_map(move |b| trees.indexes.range(b))))),
                true => {
                    let entries = bounds.into_iter().rev().flat_map(move |(start, end)| DescendingRuns {
                        tree: &trees.indexes,
                        start,
                        end,
                        run: None,
                    });
                    Box::new(by_index(Box::new(entries)))
                }
            }
        }
        Walk::IndexEq { field, value } => {
            let mut prefix = keys::index_prefix(&descriptor.collection, field);
            collate_into(value, &mut prefix);
            let bounds = walk_bounds(&prefix, whole(&prefix), after, false);
            Box::new(by_index(Box::new(bounds.into_iter().flat_map(move |b| trees.indexes.range(b)))))
        }
    }
}

/// The sled bounds of `ranges` (ascending, under `prefix`) that hold what
/// follows the cursor's sort key `after`. Ascending, the cursor's key is the
/// key's suffix after `prefix` (an id, or an index value and id); descending, it holds the value inverted (then the id),
/// and the cursor's whole value run stays in (the page skips what it already
/// returned, by sort key).
fn walk_bounds(prefix: &[u8], ranges: Vec<KeyRange>, after: Option<Vec<u8>>, descending: bool) -> Vec<KeyBounds> {
    let bounded = |(start, end): KeyRange| (Bound::Included(start), end.map_or(Bound::Unbounded, Bound::Excluded));
    let Some(after) = after else { return ranges.into_iter().map(bounded).collect() };
    if descending {
        let value = invert(&after[..after.len().saturating_sub(16)]);
        let limit = keys::prefix_end(&[prefix, &value].concat());
        ranges
            .into_iter()
            .filter(|(start, _)| limit.as_ref().is_none_or(|limit| start < limit))
            .map(|(start, end)| {
                let end = match (end, &limit) {
                    (Some(end), Some(limit)) => Some(end.min(limit.clone())),
                    (end, limit) => end.or_else(|| limit.clone()),
                };
                bounded((start, end))
            })
            .collect()
    } else {
        let after = [prefix, &after].concat();
        ranges
            .into_iter()
            .filter(|(_, end)| end.as_ref().is_none_or(|end| after < *end))
            .map(|(start, end)| {
                let start = if after >= start { Bound::Excluded(after.clone()) } else { Bound::Included(start) };
                (start, end.map_or(Bound::Unbounded, Bound::Excluded))
            })
            .collect()
    }
}

/// The entries of one index range by value descending and, within one
/// value, by id ascending (how a descending order by a field sorts its ties):
/// from the greatest key left it finds that value's run, reads the run
/// forwards, then goes on below it. Lazy: a page reads only what it returns.
struct DescendingRuns<'t> {
    tree: &'t sled::Tree,
    start: Bound<Vec<u8>>,
    /// Everything from here on has been handed out (or is in `run`).
    end: Bound<Vec<u8>>,
    run: Option<sled::Iter>,
}

impl Iterator for DescendingRuns<'_> {
    type Item = sled::Result<(sled::IVec, sled::IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(entry) = self.run.as_mut().and_then(Iterator::next) {
                return Some(entry);
            }
            let last = match self.tree.range((self.start.clone(), self.end.clone())).next_back()? {
                Ok((key, _)) => key,
                Err(e) => return Some(Err(e)),
            };
            // An index key is the value's bytes, then the 16-byte id.
            let value = last[..last.len().saturating_sub(16)].to_vec();
            let run_start = match &self.start {
                Bound::Included(start) | Bound::Excluded(start) if *start > value => self.start.clone(),
                _ => Bound::Included(value.clone()),
            };
            self.run = Some(self.tree.range((run_start, self.end.clone())));
            self.end = Bound::Excluded(value);
        }
    }
}

fn invert(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().map(|b| !b).collect()
}
