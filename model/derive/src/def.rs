//! The model struct as both emitters read it: `parse` validates a
//! `#[derive(Model)]` input (reserved and clashing names, field types,
//! attributes) into a [`ModelDef`]; `model_impl.rs` and `editor.rs` emit
//! code from it.

use std::collections::HashMap;

use proc_macro2::Ident;
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, LitStr, Type, Visibility};

use crate::attrs::{field_attrs, model_attrs};
use crate::errors::Errors;
use crate::field_type::{FieldShape, classify, replace_self};
use crate::naming::{is_collection_name, snake_case};

/// A validated model struct.
pub(crate) struct ModelDef<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) vis: &'a Visibility,
    pub(crate) collection: LitStr,
    pub(crate) fields: Vec<FieldDef<'a>>,
}

impl ModelDef<'_> {
    /// The typed editor's name: `<Model>Edit`.
    pub(crate) fn editor_ident(&self) -> Ident {
        format_ident!("{}Edit", self.ident.unraw(), span = self.ident.span())
    }
}

/// A validated field of a model struct.
pub(crate) struct FieldDef<'a> {
    pub(crate) ident: &'a Ident,
    /// The stored name: the identifier without any `r#`.
    pub(crate) name: LitStr,
    /// The declared type with `Self` spelled out as the model's name.
    pub(crate) ty: Type,
    pub(crate) shape: FieldShape,
    pub(crate) unindexed: bool,
}

impl FieldDef<'_> {
    /// The editor method for this field: `set_<field>`, or `<field>` for text.
    pub(crate) fn editor_method(&self) -> Ident {
        if self.shape.is_text { self.ident.clone() } else { format_ident!("set_{}", self.ident.unraw()) }
    }
}

/// Validates a `#[derive(Model)]` input, collecting every error with its span.
pub(crate) fn parse(input: &DeriveInput) -> syn::Result<ModelDef<'_>> {
    let mut errors = Errors::default();
    let attrs = model_attrs(&input.attrs, &mut errors);

    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        errors.spanned(
            &input.generics,
            "#[derive(Model)] does not support generics: a model has one fixed collection and descriptor, so write a concrete struct",
        );
    }

    const NEEDS_NAMED: &str = "#[derive(Model)] needs a struct with named fields";
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Some(named),
            Fields::Unnamed(unnamed) => {
                errors.spanned(
                    unnamed,
                    format!("{NEEDS_NAMED}; a tuple struct's fields have no names to store them under"),
                );
                None
            }
            Fields::Unit => {
                errors.spanned(&input.ident, NEEDS_NAMED);
                None
            }
        },
        Data::Enum(data) => {
            let (token, ident) = (&data.enum_token, &input.ident);
            errors.spanned(
                quote!(#token #ident),
                format!("{NEEDS_NAMED}; for an enum field type, use #[derive(ModelEnum)]"),
            );
            None
        }
        Data::Union(data) => {
            let (token, ident) = (&data.union_token, &input.ident);
            errors.spanned(quote!(#token #ident), NEEDS_NAMED);
            None
        }
    };
    let Some(named) = named else {
        errors.finish()?;
        return Err(syn::Error::new_spanned(&input.ident, NEEDS_NAMED));
    };

    let collection = attrs.collection.unwrap_or_else(|| {
        let derived = snake_case(&input.ident.unraw().to_string());
        if !is_collection_name(&derived) {
            errors.spanned(
                &input.ident,
                format!(
                    "cannot derive a collection name from `{}` (snake_case gives {derived:?}, which is not a lowercase ASCII identifier); name it with #[chronicle(collection = \"...\")]",
                    input.ident
                ),
            );
        }
        LitStr::new(&derived, input.ident.span())
    });

    let mut fields = Vec::with_capacity(named.named.len());
    for field in &named.named {
        let Some(ident) = &field.ident else { continue };
        let name = ident.unraw().to_string();
        if name == "id" {
            errors
                .spanned(ident, "field `id` is reserved: every entity already has an `id` (a ULID); rename this field");
        } else if let Some((_, generated)) = GENERATED_FIELDS.iter().find(|(reserved, _)| *reserved == name) {
            errors.spanned(
                ident,
                format!(
                    "field `{name}` is reserved: the GraphQL API gives every entity a `{generated}` field of its own; rename this field"
                ),
            );
        }
        let attrs = field_attrs(&field.attrs, &mut errors);
        let ty = replace_self(&field.ty, &input.ident);
        let Some(shape) = errors.take(classify(&ty)) else { continue };
        if let (true, Some(unindexed)) = (shape.is_text, &attrs.unindexed) {
            errors.spanned(unindexed, "`unindexed` is not needed here: text fields are never indexed");
        }
        fields.push(FieldDef {
            ident,
            name: LitStr::new(&name, ident.span()),
            ty,
            shape,
            unindexed: attrs.unindexed.is_some(),
        });
    }
    check_editor_methods(&fields, &mut errors);
    check_relation_names(&fields, &mut errors);
    errors.finish()?;

    Ok(ModelDef { ident: &input.ident, vis: &input.vis, collection, fields })
}

/// The fields the GraphQL layer generates on every entity type, by the
/// model field name that would map onto them (besides `id`).
const GENERATED_FIELDS: [(&str, &str); 7] = [
    ("heads", "heads"),
    ("history", "history"),
    ("created_at", "createdAt"),
    ("created_by", "createdBy"),
    ("updated_at", "updatedAt"),
    ("updated_by", "updatedBy"),
    ("text_state", "textState"),
];

/// A `Ref` field `x` appears in GraphQL as `x` (the entity) and `xId` (its
/// id), so no other field may be called `x_id`.
fn check_relation_names(fields: &[FieldDef<'_>], errors: &mut Errors) {
    for relation in fields.iter().filter(|f| !f.shape.ref_targets.is_empty()) {
        let relation_name = relation.ident.unraw().to_string();
        let id_name = format!("{relation_name}_id");
        for field in fields.iter().filter(|f| f.ident.unraw() == id_name) {
            errors.spanned(
                field.ident,
                format!(
                    "field `{id_name}` clashes with the id that the `Ref` field `{relation_name}` generates in GraphQL; rename one of them"
                ),
            );
        }
    }
}

/// A text field named `set_x` next to a field `x` would give the editor two
/// methods of the same name; say so here rather than as a duplicate-definition
/// error inside generated code.
fn check_editor_methods(fields: &[FieldDef<'_>], errors: &mut Errors) {
    let mut seen: HashMap<String, &Ident> = HashMap::new();
    for field in fields {
        let method = field.editor_method().unraw().to_string();
        if let Some(first) = seen.insert(method.clone(), field.ident) {
            errors.spanned(
                field.ident,
                format!("the editor method `{method}` of this field clashes with the one of field `{first}`; rename one of them"),
            );
        }
    }
}
