//! Queries over one collection: filters, ordering, cursor pagination.
//!
//! The engine-independent parts live here: validating a query against the
//! model, matching a state against a filter, sort keys and cursors. Engines
//! decide which index feeds the candidates.

use std::cmp::Ordering;

use crate::descriptor::ModelDescriptor;
use crate::id::EntityId;
use crate::state::EntityState;
use crate::value::{FieldType, ScalarType, Value};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::collate::{collate, collate_into};
use crate::store_error::StoreError;

/// How many items a page holds when the caller does not say. How many it
/// may hold at most is the caller's policy (the API's `--max-first`).
pub const DEFAULT_FIRST: usize = 50;

/// A comparison on one field.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Eq(Value),
    Ne(Value),
    In(Vec<Value>),
    Lt(Value),
    Lte(Value),
    Gt(Value),
    Gte(Value),
    StartsWith(String),
    /// `IsNull(true)` matches null values, `IsNull(false)` non-null ones.
    IsNull(bool),
}

/// A filter over an entity's fields.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    Field { field: String, op: Op },
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

impl Filter {
    pub fn field(field: impl Into<String>, op: Op) -> Self {
        Filter::Field { field: field.into(), op }
    }

    /// Whether `state` matches, reading fields through `descriptor`.
    pub fn matches(&self, descriptor: &ModelDescriptor, state: &EntityState) -> bool {
        match self {
            Filter::And(all) => all.iter().all(|f| f.matches(descriptor, state)),
            Filter::Or(any) => any.iter().any(|f| f.matches(descriptor, state)),
            Filter::Field { field, op } => {
                let Some(f) = descriptor.field(field) else { return false };
                op.matches(&state.value(f))
            }
        }
    }

    /// Whether an engine can take this filter's candidates from an index:
    /// one indexed predicate in an `and`, or one in every branch of an `or`.
    pub fn uses_index(&self, descriptor: &ModelDescriptor) -> bool {
        match self {
            Filter::Field { field, op } => descriptor.field(field).is_some_and(|f| f.indexed) && op.uses_index(),
            Filter::And(all) => all.iter().any(|f| f.uses_index(descriptor)),
            Filter::Or(any) => any.iter().all(|f| f.uses_index(descriptor)),
        }
    }

    /// Whether the entries an index holds for this filter are exactly its
    /// matches (one indexed predicate, or an `or` of them), so that
    /// counting them counts the matches without reading any entity.
    pub fn answered_by_index(&self, descriptor: &ModelDescriptor) -> bool {
        match self {
            Filter::Field { .. } => self.uses_index(descriptor),
            Filter::Or(any) => any.iter().all(|f| matches!(f, Filter::Field { .. }) && f.uses_index(descriptor)),
            Filter::And(_) => false,
        }
    }

    /// The predicate whose index gives the candidates (as engines pick
    /// them: the filter itself, or the first indexable part of an `and`),
    /// when it is a single comparison.
    fn leading_indexed(&self, descriptor: &ModelDescriptor) -> Option<(&str, &Op)> {
        match self {
            Filter::Field { field, op } if self.uses_index(descriptor) => Some((field.as_str(), op)),
            Filter::And(all) => all.iter().find(|f| f.uses_index(descriptor))?.leading_indexed(descriptor),
            _ => None,
        }
    }

    /// An equality on an indexed field that every match satisfies (the
    /// filter itself, or one of an `and`'s parts).
    fn indexed_eq(&self, descriptor: &ModelDescriptor) -> Option<(String, Value)> {
        match self {
            Filter::Field { field, op: Op::Eq(value) } if descriptor.field(field).is_some_and(|f| f.indexed) => {
                Some((field.clone(), value.clone()))
            }
            Filter::And(all) => all.iter().find_map(|f| f.indexed_eq(descriptor)),
            _ => None,
        }
    }

    /// Checks fields exist and are scalar, operands have the field's type, and none is null.
    pub fn validate(&self, descriptor: &ModelDescriptor) -> Result<(), StoreError> {
        match self {
            Filter::And(all) | Filter::Or(all) => all.iter().try_for_each(|f| f.validate(descriptor)),
            Filter::Field { field, op } => {
                let f = descriptor.require_field(field)?;
                let FieldType::Scalar { ty, .. } = &f.ty else {
                    return Err(StoreError::InvalidQuery(format!("`{field}` is a text field and cannot be filtered")));
                };
                let check = |v: &Value| -> Result<(), StoreError> {
                    if v.is_null() {
                        return Err(StoreError::InvalidQuery(format!(
                            "null operand for `{field}`: use `isNull` to match missing values"
                        )));
                    }
                    if !ty.accepts(v) {
                        return Err(StoreError::InvalidQuery(format!(
                            "`{field}` is {ty}, the operand is {}",
                            v.type_name()
                        )));
                    }
                    Ok(())
                };
                match op {
                    Op::Eq(v) | Op::Ne(v) | Op::Lt(v) | Op::Lte(v) | Op::Gt(v) | Op::Gte(v) => check(v),
                    Op::In(vs) => vs.iter().try_for_each(check),
                    Op::StartsWith(_) if matches!(ty, ScalarType::String) => Ok(()),
                    Op::StartsWith(_) => {
                        Err(StoreError::InvalidQuery(format!("`startsWith` needs a String field, `{field}` is {ty}")))
                    }
                    Op::IsNull(_) => Ok(()),
                }
            }
        }
    }
}

impl Op {
    /// Whether an index on the field can give this comparison's matches (a
    /// range or a few ranges of the field's collated values).
    pub fn uses_index(&self) -> bool {
        !matches!(self, Op::Ne(_) | Op::IsNull(false))
    }

    /// Whether `value` satisfies the comparison. Null only satisfies `IsNull(true)`
    /// and `Ne` of a non-null operand.
    pub fn matches(&self, value: &Value) -> bool {
        let cmp = |operand: &Value| -> Option<Ordering> {
            if value.is_null() { None } else { Some(collate(value).cmp(&collate(operand))) }
        };
        match self {
            Op::Eq(v) => cmp(v) == Some(Ordering::Equal),
            Op::Ne(v) => cmp(v) != Some(Ordering::Equal),
            Op::In(vs) => vs.iter().any(|v| cmp(v) == Some(Ordering::Equal)),
            Op::Lt(v) => cmp(v) == Some(Ordering::Less),
            Op::Lte(v) => matches!(cmp(v), Some(Ordering::Less | Ordering::Equal)),
            Op::Gt(v) => cmp(v) == Some(Ordering::Greater),
            Op::Gte(v) => matches!(cmp(v), Some(Ordering::Greater | Ordering::Equal)),
            Op::StartsWith(p) => matches!(value, Value::String(s) if s.starts_with(p.as_str())),
            Op::IsNull(want) => value.is_null() == *want,
        }
    }
}

/// One sort key: a field (or the id when `field` is `None`) and a direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderBy {
    pub field: Option<String>,
    pub descending: bool,
}

impl OrderBy {
    pub fn id() -> Self {
        Self { field: None, descending: false }
    }

    pub fn asc(field: impl Into<String>) -> Self {
        Self { field: Some(field.into()), descending: false }
    }

    pub fn desc(field: impl Into<String>) -> Self {
        Self { field: Some(field.into()), descending: true }
    }
}

/// A page request over one collection.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub filter: Option<Filter>,
    /// Sort keys, most significant first; the id always breaks remaining ties
    /// (ascending unless the last key is `id` descending).
    pub order: Vec<OrderBy>,
    pub first: Option<usize>,
    /// A cursor from an earlier page of the same query.
    pub after: Option<String>,
    /// Whether to count all matches (costs a full evaluation of the filter).
    pub count: bool,
}

impl Default for Query {
    fn default() -> Self {
        Self { filter: None, order: Vec::new(), first: None, after: None, count: true }
    }
}

impl Query {
    pub fn filter(filter: Filter) -> Self {
        Self { filter: Some(filter), ..Self::default() }
    }

    /// The page size: `first`, or [`DEFAULT_FIRST`].
    pub fn page_size(&self) -> usize {
        self.first.unwrap_or(DEFAULT_FIRST)
    }

    /// Checks the whole query against the model.
    pub fn validate(&self, descriptor: &ModelDescriptor) -> Result<(), StoreError> {
        if let Some(f) = &self.filter {
            f.validate(descriptor)?;
        }
        for o in &self.order {
            if let Some(name) = &o.field {
                let f = descriptor.require_field(name)?;
                if !f.indexed {
                    return Err(StoreError::InvalidQuery(format!("cannot order by `{name}`: it is not indexed")));
                }
            }
        }
        Ok(())
    }

    /// The sort key of `state`: each key's collated value (inverted when
    /// descending), then the id.
    pub fn sort_key(&self, descriptor: &ModelDescriptor, state: &EntityState) -> Vec<u8> {
        let mut key = Vec::new();
        let mut id_descending = false;
        for o in &self.order {
            let mut part = Vec::new();
            match &o.field {
                Some(name) => {
                    let value = descriptor.field(name).map_or(Value::Null, |f| state.value(f));
                    collate_into(&value, &mut part);
                }
                None => {
                    id_descending = o.descending;
                    break;
                }
            }
            if o.descending {
                invert(&mut part);
            }
            key.extend(part);
        }
        let mut id = state.id.to_bytes().to_vec();
        if id_descending {
            invert(&mut id);
        }
        key.extend(id);
        key
    }
}

/// Inverting every byte reverses the order of prefix-free encodings.
/// Collated values are prefix-free (fixed width, or terminated strings),
/// so inverted keys of one field compare in exactly the reverse order.
fn invert(bytes: &mut [u8]) {
    for b in bytes {
        *b = !*b;
    }
}

/// The cursor format: version 2 binds a cursor to the query that issued it.
const CURSOR_FORMAT: u8 = 2;

impl Query {
    /// What a cursor is bound to: the collection, the filter and the order
    /// (not the page size). A 64-bit FNV-1a of their canonical form.
    fn fingerprint(&self, descriptor: &ModelDescriptor) -> [u8; 8] {
        let canonical = format!("{}\u{0}{:?}\u{0}{:?}", descriptor.collection, self.filter, self.order);
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in canonical.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash.to_be_bytes()
    }

    /// A cursor for the item with sort key `sort_key`: base64url of the
    /// format byte, this query's fingerprint and the key.
    pub fn encode_cursor(&self, descriptor: &ModelDescriptor, sort_key: &[u8]) -> String {
        let mut bytes = Vec::with_capacity(sort_key.len() + 9);
        bytes.push(CURSOR_FORMAT);
        bytes.extend(self.fingerprint(descriptor));
        bytes.extend_from_slice(sort_key);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The sort key in `cursor`; refused when the cursor was issued by
    /// another query or ordering (its page would be meaningless here).
    pub fn decode_cursor(&self, descriptor: &ModelDescriptor, cursor: &str) -> Result<Vec<u8>, StoreError> {
        let invalid = || StoreError::InvalidCursor(cursor.chars().take(64).collect());
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        match bytes.split_first() {
            Some((&CURSOR_FORMAT, rest)) if rest.len() >= 8 + 16 => {
                let (fingerprint, key) = rest.split_at(8);
                if fingerprint != self.fingerprint(descriptor) {
                    return Err(StoreError::ForeignCursor(cursor.chars().take(64).collect()));
                }
                Ok(key.to_vec())
            }
            _ => Err(invalid()),
        }
    }
}

/// An order in which an engine can hand over candidates that is the query's
/// own order, so that a page needs only `first + 1` matches
/// ([`Query::page_in_order`]) instead of every match.
#[derive(Clone, Debug, PartialEq)]
pub enum Walk {
    /// Every state of the collection by id.
    Ids { descending: bool },
    /// The index of `field` by value, ascending or descending, and by id
    /// ascending among equal values; only the entries `within` selects (a
    /// comparison on `field` that every match satisfies), or all of them.
    Index { field: String, within: Option<Op>, descending: bool },
    /// The entries of the index of `field` equal to `value`: by id, ascending.
    IndexEq { field: String, value: Value },
}

impl Query {
    /// How an engine can read this query's page in order and stop after it;
    /// `None` when it must gather every match (the order is not one an
    /// index gives, or an index can narrow the candidates but not in order).
    /// A walk gives no count: an engine that cannot count otherwise (from
    /// an index, say) gathers every match when `count` is asked for.
    ///
    /// An ordered walk visits entities that do not match the filter too: it
    /// is chosen only where no index could narrow the candidates anyway, or
    /// where the index that would give the candidates gives them in the
    /// query's order (an equality's range by id, or the ordering field's own
    /// range), so it never reads more than gathering them would.
    pub fn walk(&self, descriptor: &ModelDescriptor) -> Option<Walk> {
        let by_id_ascending = matches!(self.order.as_slice(), [] | [OrderBy { field: None, descending: false }]);
        if let Some((field, value)) = self.filter.as_ref().and_then(|f| f.indexed_eq(descriptor))
            && by_id_ascending
        {
            return Some(Walk::IndexEq { field, value });
        }
        let ordered_by = match self.order.as_slice() {
            [OrderBy { field: Some(field), descending }]
            | [OrderBy { field: Some(field), descending }, OrderBy { field: None, descending: false }]
                if descriptor.field(field).is_some_and(|f| f.indexed) =>
            {
                Some((field, *descending))
            }
            _ => None,
        };
        if let Some(filter) = &self.filter
            && filter.uses_index(descriptor)
        {
            // The candidates an index would give: in order only when that
            // index is the ordering field's; then its range is walked.
            return match (filter.leading_indexed(descriptor), ordered_by) {
                (Some((field, op)), Some((by, descending))) if field == by => {
                    Some(Walk::Index { field: field.to_owned(), within: Some(op.clone()), descending })
                }
                _ => None,
            };
        }
        match self.order.as_slice() {
            _ if by_id_ascending => Some(Walk::Ids { descending: false }),
            [OrderBy { field: None, descending: true }] => Some(Walk::Ids { descending: true }),
            _ => ordered_by.map(|(field, descending)| Walk::Index { field: field.clone(), within: None, descending }),
        }
    }

    /// The sort key this page starts after, from the `after` cursor.
    pub fn after_key(&self, descriptor: &ModelDescriptor) -> Result<Option<Vec<u8>>, StoreError> {
        self.after.as_deref().map(|c| self.decode_cursor(descriptor, c)).transpose()
    }

    /// The page from `candidates` handed over in this query's order (as
    /// [`Query::walk`] says): skips what the cursor already returned, keeps
    /// live matches, and stops reading after `first + 1` of them.
    pub fn page_in_order(
        &self,
        descriptor: &ModelDescriptor,
        candidates: impl Iterator<Item = Result<EntityState, StoreError>>,
    ) -> Result<Page, StoreError> {
        self.validate(descriptor)?;
        let keyed = candidates.filter_map(|state| match state {
            Ok(state) if self.admits(descriptor, &state) => Some(Ok((self.sort_key(descriptor, &state), state))),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        });
        self.cut(descriptor, keyed)
    }

    /// Whether `state` is a live match of the filter.
    fn admits(&self, descriptor: &ModelDescriptor, state: &EntityState) -> bool {
        !state.is_deleted() && self.filter.as_ref().is_none_or(|f| f.matches(descriptor, state))
    }

    /// The page from matches keyed by their sort keys, ascending: skips what
    /// the cursor already returned and reads no further than `first + 1`.
    fn cut(
        &self,
        descriptor: &ModelDescriptor,
        keyed: impl Iterator<Item = Result<(Vec<u8>, EntityState), StoreError>>,
    ) -> Result<Page, StoreError> {
        let after = self.after_key(descriptor)?;
        let first = self.page_size();
        let mut page: Vec<(Vec<u8>, EntityState)> = Vec::with_capacity(first.saturating_add(1).min(1024));
        for entry in keyed {
            let (key, state) = entry?;
            if after.as_ref().is_some_and(|a| key <= *a) {
                continue;
            }
            page.push((key, state));
            if page.len() > first {
                break;
            }
        }
        let has_next_page = page.len() > first;
        page.truncate(first);
        let cursors = page.iter().map(|(key, _)| self.encode_cursor(descriptor, key)).collect();
        Ok(Page { items: page.into_iter().map(|(_, s)| s).collect(), cursors, has_next_page, total_count: None })
    }
}

/// One page of results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub items: Vec<EntityState>,
    /// One cursor per item.
    pub cursors: Vec<String>,
    pub has_next_page: bool,
    /// Counted only when the query asked for it.
    pub total_count: Option<u64>,
}

impl Page {
    pub fn end_cursor(&self) -> Option<&str> {
        self.cursors.last().map(String::as_str)
    }

    pub fn ids(&self) -> Vec<EntityId> {
        self.items.iter().map(|s| s.id).collect()
    }
}

impl Query {
    /// This query restricted to entities whose `Ref` field `field` points at
    /// `target`: one page of a reverse relation.
    pub fn related_to(&self, field: &str, target: EntityId) -> Query {
        let by_target = Filter::field(field, Op::Eq(target.into()));
        let filter = match &self.filter {
            Some(f) => Filter::And(vec![by_target, f.clone()]),
            None => by_target,
        };
        Query { filter: Some(filter), ..self.clone() }
    }

    /// The page this query selects from `candidates`, states a store picked
    /// as possible matches (every match among them, in any order, possibly
    /// with repeats): validates the query, keeps live matching states once
    /// each, sorts and cuts the page. Engines differ only in how they pick
    /// candidates (an index range, or every state of the collection).
    pub fn page(&self, descriptor: &ModelDescriptor, candidates: Vec<EntityState>) -> Result<Page, StoreError> {
        self.validate(descriptor)?;
        let mut seen = std::collections::HashSet::new();
        let mut keyed: Vec<(Vec<u8>, EntityState)> = candidates
            .into_iter()
            .filter(|s| self.admits(descriptor, s) && seen.insert(s.id))
            .map(|s| (self.sort_key(descriptor, &s), s))
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let total = keyed.len() as u64;
        let mut page = self.cut(descriptor, keyed.into_iter().map(Ok))?;
        page.total_count = self.count.then_some(total);
        Ok(page)
    }
}
