//! Parsing of `#[chronicle(...)]` attributes.
//!
//! On the struct: `collection = "name"`. On a field: `unindexed`. Anything
//! else is an error, so a typo never silently falls back to a default.

use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr, Token};

use crate::errors::Errors;
use crate::naming::is_collection_name;

/// The struct-level settings of `#[derive(Model)]`.
#[derive(Default)]
pub(crate) struct ModelAttrs {
    pub(crate) collection: Option<LitStr>,
}

/// The field-level settings of `#[derive(Model)]`.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    /// The `unindexed` keyword itself, kept so errors can point at it.
    pub(crate) unindexed: Option<syn::Path>,
}

fn chronicle_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("chronicle"))
}

fn key_name(meta: &ParseNestedMeta<'_>) -> String {
    meta.path.get_ident().map_or_else(|| "this key".to_owned(), |ident| format!("`{ident}`"))
}

/// Consumes whatever follows a key that has been rejected (`= value` or
/// `(...)`), so that parsing goes on and later keys are checked too.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        // syn insists that a delimited group is read to its end.
        content.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
}

/// Reports `message` at the key and skips its value.
fn reject(meta: &ParseNestedMeta<'_>, errors: &mut Errors, message: impl std::fmt::Display) -> syn::Result<()> {
    errors.spanned(&meta.path, message);
    skip_value(meta)
}

pub(crate) fn model_attrs(attrs: &[Attribute], errors: &mut Errors) -> ModelAttrs {
    let mut out = ModelAttrs::default();
    for attr in chronicle_attrs(attrs) {
        let mut found = Errors::default();
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("collection") {
                let lit: LitStr = meta.value()?.parse()?;
                if out.collection.is_some() {
                    found.spanned(&meta.path, "`collection` is set twice");
                } else if !is_collection_name(&lit.value()) {
                    found.spanned(
                        &lit,
                        format!(
                            "invalid collection name {:?}: it must be snake_case, a lowercase ASCII letter followed by lowercase letters, digits or `_`",
                            lit.value()
                        ),
                    );
                } else {
                    out.collection = Some(lit);
                }
                Ok(())
            } else if meta.path.is_ident("unindexed") {
                reject(&meta, &mut found, "`unindexed` belongs on a field, not on the struct")
            } else {
                let message = format!(
                    "unknown #[chronicle] key {} on a model struct; the struct accepts `collection = \"...\"` and fields accept `unindexed`",
                    key_name(&meta)
                );
                reject(&meta, &mut found, message)
            }
        });
        // Errors found in the attribute come before a parse error that may
        // have cut it short, to keep them in source order.
        errors.take(found.finish());
        errors.take(parsed);
    }
    out
}

pub(crate) fn field_attrs(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in chronicle_attrs(attrs) {
        let mut found = Errors::default();
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("unindexed") {
                if !(meta.input.is_empty() || meta.input.peek(Token![,])) {
                    return reject(&meta, &mut found, "`unindexed` takes no value: write `#[chronicle(unindexed)]`");
                }
                if out.unindexed.is_some() {
                    found.spanned(&meta.path, "`unindexed` is set twice");
                }
                out.unindexed = Some(meta.path.clone());
                Ok(())
            } else if meta.path.is_ident("collection") {
                reject(&meta, &mut found, "`collection` belongs on the struct, not on a field")
            } else {
                let message =
                    format!("unknown #[chronicle] key {} on a field; fields accept `unindexed`", key_name(&meta));
                reject(&meta, &mut found, message)
            }
        });
        // Errors found in the attribute come before a parse error that may
        // have cut it short, to keep them in source order.
        errors.take(found.finish());
        errors.take(parsed);
    }
    out
}
