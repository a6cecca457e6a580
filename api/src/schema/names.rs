//! Every GraphQL name the generated schema uses: the fixed ones, and those
//! derived from model descriptors (the conventions in `docs/graphql.md`).

/// The root types.
pub const QUERY: &str = "Query";
pub const MUTATION: &str = "Mutation";
pub const SUBSCRIPTION: &str = "Subscription";
pub const INT64: &str = "Int64";
/// The page information of every connection.
pub const PAGE_INFO: &str = "PageInfo";
pub const CHANGE_KIND: &str = "ChangeKind";
pub const DATE_TIME: &str = "DateTime";
pub const EVENT: &str = "Event";
pub const EVENT_CONNECTION: &str = "EventConnection";
pub const EVENT_EDGE: &str = "EventEdge";
pub const EVENT_KIND: &str = "EventKind";
pub const EVENT_WHERE: &str = "EventWhere";
pub const FIELD_CHANGE: &str = "FieldChange";
pub const JSON: &str = "JSON";
pub const ME: &str = "Me";
pub const TEXT_EDIT: &str = "TextEdit";
pub const TEXT_SPLICE: &str = "TextSplice";

use chronicle_model::{ChangeKind, EventKind, ModelDescriptor, ScalarType};

/// `release_year` → `releaseYear`.
pub fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `PlaylistEntry` → `playlistEntry`.
pub fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `release_year` → `RELEASE_YEAR`, `artistId` → `ARTIST_ID`, `Cd` → `CD`.
pub fn screaming(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' {
            out.push('_');
            prev_lower = false;
        } else if c.is_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.extend(c.to_uppercase());
            prev_lower = false;
        } else {
            out.extend(c.to_uppercase());
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// English plural of a camelCase word: `album` → `albums`, `playlistEntry` → `playlistEntries`.
pub fn plural(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let ends_consonant_y = lower.ends_with('y') && lower.chars().rev().nth(1).is_some_and(|c| !"aeiou".contains(c));
    if ends_consonant_y {
        format!("{}ies", &word[..word.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"].iter().any(|s| lower.ends_with(s)) {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}

/// The names one model contributes to the schema.
#[derive(Clone, Debug)]
pub struct ModelNames {
    pub ty: String,
    pub single: String,
    pub list: String,
}

impl ModelNames {
    pub fn of(d: &ModelDescriptor) -> Self {
        let single = lower_first(&d.name);
        Self { ty: d.name.clone(), list: plural(&single), single }
    }
    pub fn at(&self) -> String {
        format!("{}At", self.single)
    }
    pub fn create(&self) -> String {
        format!("create{}", self.ty)
    }
    pub fn update(&self) -> String {
        format!("update{}", self.ty)
    }
    pub fn delete(&self) -> String {
        format!("delete{}", self.ty)
    }
    pub fn changed(&self) -> String {
        format!("{}Changed", self.single)
    }
    pub fn list_changed(&self) -> String {
        format!("{}Changed", self.list)
    }
    pub fn create_input(&self) -> String {
        format!("{}CreateInput", self.ty)
    }
    pub fn update_input(&self) -> String {
        format!("{}UpdateInput", self.ty)
    }
    pub fn where_input(&self) -> String {
        format!("{}Where", self.ty)
    }
    pub fn order_by(&self) -> String {
        format!("{}OrderBy", self.ty)
    }
    pub fn connection(&self) -> String {
        format!("{}Connection", self.ty)
    }
    pub fn edge(&self) -> String {
        format!("{}Edge", self.ty)
    }
    pub fn change(&self) -> String {
        format!("{}Change", self.ty)
    }
}

/// The GraphQL name of a model field: camelCase, and `xId` for the id of a `Ref`.
pub fn field_name(field: &chronicle_model::FieldDescriptor) -> String {
    let base = camel(&field.name);
    if field.relation().is_some() { format!("{base}Id") } else { base }
}

/// The name of a reverse relation on the target: `Artist.albums`, or
/// `Artist.albumsByProducer` when the source has several refs to the target.
pub fn reverse_name(source: &ModelDescriptor, field: &str, target: &str) -> String {
    let refs_to_target = source.fields.iter().filter(|f| f.relation() == Some(target)).count();
    let base = plural(&lower_first(&source.name));
    if refs_to_target > 1 {
        let mut by = camel(field);
        if let Some(first) = by.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        format!("{base}By{by}")
    } else {
        base
    }
}

/// The filter input type for a scalar type.
pub fn filter_type_name(ty: &ScalarType) -> String {
    match ty {
        ScalarType::String => "StringFilter".into(),
        ScalarType::Bool => "BooleanFilter".into(),
        ScalarType::I32 => "IntFilter".into(),
        ScalarType::I64 => "Int64Filter".into(),
        ScalarType::F64 => "FloatFilter".into(),
        ScalarType::Timestamp => "DateTimeFilter".into(),
        ScalarType::Ref { .. } => "IDFilter".into(),
        ScalarType::Enum { name, .. } => format!("{name}Filter"),
    }
}

/// The `EventKind` enum's value for a kind.
pub fn event_kind_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Created => "CREATED",
        EventKind::Updated => "UPDATED",
        EventKind::Deleted => "DELETED",
    }
}

/// The `ChangeKind` enum's value for a kind.
pub fn change_kind_name(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Created => "CREATED",
        ChangeKind::Updated => "UPDATED",
        ChangeKind::Deleted => "DELETED",
        ChangeKind::Entered => "ENTERED",
        ChangeKind::Left => "LEFT",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(camel("release_year"), "releaseYear");
        assert_eq!(lower_first("PlaylistEntry"), "playlistEntry");
        assert_eq!(plural("playlistEntry"), "playlistEntries");
        assert_eq!(plural("album"), "albums");
        assert_eq!(plural("box"), "boxes");
        assert_eq!(plural("day"), "days");
        assert_eq!(screaming("release_year"), "RELEASE_YEAR");
        assert_eq!(screaming("artistId"), "ARTIST_ID");
        assert_eq!(screaming("Cd"), "CD");
        assert_eq!(screaming("HipHop"), "HIP_HOP");
    }
}
