//! Admission: what every GraphQL request passes before async-graphql runs it.
//!
//! async-graphql's parser recurses on nested values without a limit, and its
//! validation expands fragment spreads without memoization, so a few
//! kilobytes can overflow a stack or cost seconds of CPU. Admission bounds
//! both in time linear in the request:
//!
//! 1. [`check_nesting`]: a scan of brackets outside strings (and comments)
//!    refuses over-nested JSON bodies and documents before any parser sees them;
//! 2. [`admit`] parses the document once (the parse is kept in the request)
//!    and [`measure`]s the operation that will run: its depth and its cost,
//!    each fragment measured once, a list field's items charged `first` times.
//!
//! Introspection (`__schema`, `__type`) does not count towards depth: its
//! standard query nests `ofType` deeper than data queries need, and it reads
//! only the schema.

use std::collections::HashMap;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{Name, Value, Variables};

use crate::error::ApiError;
use crate::schema::Limits;

/// The deepest bracket nesting (`{`, `[`, `(`) a request body or document may
/// have. Real queries stay far below it; the parser's stack stays safe at it.
pub const MAX_NESTING: usize = 64;

/// What a `totalCount` costs: it counts every match, so it is charged like a
/// page of items rather than one field.
pub const COUNT_COST: u64 = 100;

/// The grammar of the text [`check_nesting`] scans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// JSON: strings in double quotes with backslash escapes.
    Json,
    /// A GraphQL document: also block strings (`"""`) and `#` comments.
    GraphQl,
}

/// Refuses `text` when its brackets nest deeper than `limit` outside strings
/// and comments. Linear, and stops at the first level past the limit.
pub fn check_nesting(text: &[u8], syntax: Syntax, limit: usize) -> Result<(), ApiError> {
    let graphql = syntax == Syntax::GraphQl;
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'"' if graphql && text[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < text.len() && !text[i..].starts_with(b"\"\"\"") {
                    i += if text[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 3;
                continue;
            }
            b'"' => {
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' if graphql => {
                while i < text.len() && text[i] != b'\n' && text[i] != b'\r' {
                    i += 1;
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > limit {
                    let what = if graphql { "query document" } else { "JSON" };
                    return Err(ApiError::limit(format!(
                        "the {what} nests brackets more than {limit} levels deep; flatten the input"
                    )));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// GraphQL's `Int` is 32 bits. async-graphql's dynamic schema does not check
/// the range of `Int` variables, so a value past it is refused here, as the
/// validation error it is.
fn check_int_variables(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<(), ApiError> {
    use async_graphql::parser::types::BaseType;
    if let Some(op) = selected_operation(doc, operation_name) {
        for definition in &op.variable_definitions {
            let definition = &definition.node;
            let mut ty = &definition.var_type.node.base;
            while let BaseType::List(inner) = ty {
                ty = &inner.base;
            }
            if !matches!(ty, BaseType::Named(name) if name.as_str() == "Int") {
                continue;
            }
            let name = &definition.name.node;
            if let Some(value) = variables.get(name)
                && !int_in_range(value)
            {
                return Err(ApiError::bad_input(format!(
                    "variable `${name}` is not a valid Int: GraphQL Ints are 32-bit (-2147483648 to 2147483647)"
                )));
            }
        }
    }
    Ok(())
}

fn int_in_range(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.as_i64().is_none_or(|n| i32::try_from(n).is_ok()),
        Value::List(items) => items.iter().all(int_in_range),
        _ => true,
    }
}

/// The operation a request runs: the one it names, or the document's only
/// one (named or not).
fn selected_operation<'a>(doc: &'a ExecutableDocument, name: Option<&str>) -> Option<&'a OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| &op.node),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// How big the operation that will run is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Measure {
    /// The deepest nesting of data fields.
    pub depth: usize,
    /// Fields to resolve, with list items counted once per item asked for.
    pub cost: u64,
}

/// Checks `request` against `limits` and keeps its parsed document in it.
/// Returns the type of the operation that will run, or `None` when the
/// document does not parse or names no runnable operation (async-graphql then
/// reports that error itself, as for any request).
pub fn admit(request: &mut async_graphql::Request, limits: &Limits) -> Result<Option<OperationType>, ApiError> {
    check_nesting(request.query.as_bytes(), Syntax::GraphQl, MAX_NESTING)?;
    let operation_name = request.operation_name.clone();
    let variables = request.variables.clone();
    let Ok(doc) = request.parsed_query() else { return Ok(None) };
    check_int_variables(doc, operation_name.as_deref(), &variables)?;
    let Some((ty, measure)) = measure(doc, operation_name.as_deref(), &variables, limits)? else {
        return Ok(None);
    };
    if measure.depth > limits.max_depth {
        return Err(ApiError::limit(format!(
            "the query nests fields {} levels deep; at most {} are allowed",
            measure.depth, limits.max_depth
        )));
    }
    if measure.cost > limits.max_complexity as u64 {
        return Err(ApiError::limit(format!(
            "the query's cost is {}, above the limit of {}: each field costs 1, a list's fields count once per item \
             asked for (`first`, {} by default) and `totalCount` costs {COUNT_COST}; ask for smaller pages or fewer \
             nested lists",
            measure.cost,
            limits.max_complexity,
            chronicle_store::DEFAULT_FIRST
        )));
    }
    Ok(Some(ty))
}

/// Measures the operation of `doc` that a request naming `operation_name`
/// runs; `None` when there is no such single operation.
pub fn measure(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    limits: &Limits,
) -> Result<Option<(OperationType, Measure)>, ApiError> {
    let Some(op) = selected_operation(doc, operation_name) else { return Ok(None) };
    let mut walker = Walker { doc, variables, max_first: limits.max_first as u64, fragments: HashMap::new() };
    let set = walker.selection_set(&op.selection_set.node)?;
    let measure = Measure { depth: set.depth, cost: set.plain.saturating_add(set.listed) };
    Ok(Some((op.ty, measure)))
}

/// The size of a selection set: its fields' costs split by whether the
/// parent's `first` multiplies them (a connection's `nodes` and `edges`).
#[derive(Clone, Copy, Debug, Default)]
struct SetSize {
    plain: u64,
    listed: u64,
    depth: usize,
}

impl SetSize {
    fn add(&mut self, other: SetSize) {
        self.plain = self.plain.saturating_add(other.plain);
        self.listed = self.listed.saturating_add(other.listed);
        self.depth = self.depth.max(other.depth);
    }
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    max_first: u64,
    /// Each fragment's size, measured once; `None` while it is being measured.
    fragments: HashMap<&'a str, Option<SetSize>>,
}

impl<'a> Walker<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> Result<SetSize, ApiError> {
        let mut size = SetSize::default();
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let (cost, depth) = self.field(&field.node)?;
                    let name = field.node.name.node.as_str();
                    let one = if matches!(name, "nodes" | "edges") {
                        SetSize { plain: 0, listed: cost, depth }
                    } else {
                        SetSize { plain: cost, listed: 0, depth }
                    };
                    size.add(one);
                }
                Selection::FragmentSpread(spread) => size.add(self.fragment(&spread.node.fragment_name.node)?),
                Selection::InlineFragment(inline) => size.add(self.selection_set(&inline.node.selection_set.node)?),
            }
        }
        Ok(size)
    }

    fn fragment(&mut self, name: &'a Name) -> Result<SetSize, ApiError> {
        match self.fragments.get(name.as_str()) {
            Some(Some(size)) => return Ok(*size),
            Some(None) => return Err(ApiError::bad_input(format!("fragment `{name}` spreads itself"))),
            None => {}
        }
        // An unknown fragment is a validation error that async-graphql reports.
        let Some(def) = self.doc.fragments.get(name) else { return Ok(SetSize::default()) };
        self.fragments.insert(name.as_str(), None);
        let size = self.selection_set(&def.node.selection_set.node)?;
        self.fragments.insert(name.as_str(), Some(size));
        Ok(size)
    }

    /// A field's cost and depth.
    fn field(&mut self, field: &'a Field) -> Result<(u64, usize), ApiError> {
        let name = field.name.node.as_str();
        for (argument, value) in &field.arguments {
            if argument.node.as_str() == "first"
                && let Ok(value) = value.node.clone().into_const_with(|_| Err(()))
                && !int_in_range(&value)
            {
                return Err(ApiError::bad_input(format!(
                    "`first` is {value}, not a valid Int: GraphQL Ints are 32-bit"
                )));
            }
        }
        let children = self.selection_set(&field.selection_set.node)?;
        let own = if name == "totalCount" { COUNT_COST } else { 1 };
        let items = self.page_size(field);
        let cost = own.saturating_add(children.plain).saturating_add(items.saturating_mul(children.listed));
        let depth = if matches!(name, "__schema" | "__type") { 0 } else { 1 + children.depth };
        Ok((cost, depth))
    }

    /// How many items a list field asks for: its `first`, else the default page.
    fn page_size(&self, field: &Field) -> u64 {
        let first =
            field.arguments.iter().find(|(n, _)| n.node.as_str() == "first").and_then(|(_, v)| {
                v.node.clone().into_const_with(|var| self.variables.get(&var).cloned().ok_or(())).ok()
            });
        let number = match first {
            Some(Value::Number(n)) => n.as_u64(),
            _ => None,
        };
        // A `first` above the limit is refused by the field itself.
        number.unwrap_or(chronicle_store::DEFAULT_FIRST as u64).min(self.max_first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nesting(text: &str, syntax: Syntax) -> Result<(), ApiError> {
        check_nesting(text.as_bytes(), syntax, 3)
    }

    #[test]
    fn counts_brackets_outside_strings_and_comments() {
        assert!(nesting("{a{b{c}}}", Syntax::GraphQl).is_ok());
        assert!(nesting("{a{b{c{d}}}}", Syntax::GraphQl).is_err());
        assert!(nesting("{a(x: [{y: 1}])}", Syntax::GraphQl).is_err());
        assert!(nesting(r#"{a(x: "{{{{{{") }"#, Syntax::GraphQl).is_ok());
        assert!(nesting(r#"{a(x: "\"{{{{{{") }"#, Syntax::GraphQl).is_ok());
        assert!(nesting("{a(x: \"\"\"{{{{\\\"\"\"{{{{\"\"\") }", Syntax::GraphQl).is_ok());
        assert!(nesting("{ # {{{{{{\n a }", Syntax::GraphQl).is_ok());
        assert!(nesting(r#"{"q": "{{{{{{{"}"#, Syntax::Json).is_ok());
        assert!(nesting(r#"[[[["x"]]]]"#, Syntax::Json).is_err());
        // `#` is no comment in JSON.
        assert!(nesting("[# [[[", Syntax::Json).is_err());
        // Unterminated strings end the scan without error.
        assert!(nesting("{\"", Syntax::Json).is_ok());
        assert!(nesting("{\"\"\"", Syntax::GraphQl).is_ok());
    }

    fn measured(query: &str, variables: serde_json::Value) -> Measure {
        let doc = async_graphql::parser::parse_query(query).expect("parses");
        let variables = Variables::from_json(variables);
        measure(&doc, None, &variables, &Limits::default()).expect("measures").expect("one operation").1
    }

    #[test]
    fn charges_list_items_by_first() {
        let m = measured("{ albums(first: 10) { nodes { name year } totalCount } }", serde_json::json!({}));
        assert_eq!(m, Measure { depth: 3, cost: 1 + 10 * 3 + COUNT_COST });
        let m =
            measured("query($n: Int) { albums(first: $n) { edges { node { name } } } }", serde_json::json!({"n": 7}));
        assert_eq!(m.cost, 1 + 7 * 3);
        let m = measured("{ albums { nodes { id } } }", serde_json::json!({}));
        assert_eq!(m.cost, 1 + chronicle_store::DEFAULT_FIRST as u64 * 2);
    }

    #[test]
    fn fragments_are_measured_once_and_multiply() {
        let mut query = String::from("fragment F1 on Artist { name }\n");
        for i in 2..=40 {
            query.push_str(&format!("fragment F{i} on Artist {{ ...F{p} ...F{p} }}\n", p = i - 1));
        }
        query.push_str("{ artists(first: 1) { nodes { ...F40 } } }");
        let m = measured(&query, serde_json::json!({}));
        assert!(m.cost > 1 << 39, "the expanded size: {m:?}");
    }

    #[test]
    fn introspection_does_not_count_towards_depth() {
        let m = measured(
            "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }",
            serde_json::json!({}),
        );
        assert_eq!(m.depth, 0);
    }

    #[test]
    fn a_lone_named_operation_is_the_one_that_runs() {
        let doc = async_graphql::parser::parse_query("subscription S { albumsChanged { kind } }").expect("parses");
        let measured = measure(&doc, None, &Variables::default(), &Limits::default()).expect("measures");
        assert_eq!(measured.map(|(ty, _)| ty), Some(OperationType::Subscription));
    }

    #[test]
    fn fragment_cycles_are_refused() {
        let doc = async_graphql::parser::parse_query("fragment A on X { ...B } fragment B on X { ...A } { ...A }")
            .expect("parses");
        assert!(measure(&doc, None, &Variables::default(), &Limits::default()).is_err());
    }
}
