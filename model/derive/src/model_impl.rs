//! `#[derive(Model)]`: validation of the struct, the `Model` impl with its
//! descriptor, and the compile-time assertions on field types.

use std::collections::HashMap;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr, Type, Visibility};

use crate::attrs::{field_attrs, model_attrs};
use crate::editor;
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

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let def = parse(input)?;
    let model_impl = model_impl(&def);
    let editor = editor::editor(&def);
    let assertions = assertions(&def);
    // The assertions come first so that their errors, which point at the
    // exact offending type, are the first ones the user reads.
    Ok(quote! {
        #assertions
        #model_impl
        #editor
    })
}

fn parse(input: &DeriveInput) -> syn::Result<ModelDef<'_>> {
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

/// A text field named `set_x` next to a field `x` would give the editor two
/// methods of the same name; say so here rather than as a duplicate-definition
/// error inside generated code.
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

fn model_impl(def: &ModelDef<'_>) -> TokenStream {
    let ident = def.ident;
    let collection = &def.collection;
    let type_name = LitStr::new(&ident.unraw().to_string(), ident.span());
    let editor = editor::editor_ident(def);

    let descriptors = def.fields.iter().map(|f| {
        let (name, ty, unindexed) = (&f.name, &f.ty, f.unindexed);
        quote! { ::chronicle_model::FieldDescriptor::new(#name, <#ty as ::chronicle_model::Field>::field_type(), #unindexed) }
    });
    let values = def.fields.iter().map(|f| {
        let (ident, name, ty) = (f.ident, &f.name, &f.ty);
        quote! { (#name, <#ty as ::chronicle_model::Field>::to_value(&self.#ident)) }
    });
    let reads = def.fields.iter().map(|f| {
        let (ident, name, ty) = (f.ident, &f.name, &f.ty);
        quote! { #ident: ::chronicle_model::read_field::<#ty>(state, &descriptor, #name)? }
    });

    quote! {
        #[automatically_derived]
        impl ::chronicle_model::Model for #ident {
            const COLLECTION: &'static str = #collection;

            type Editor<'a> = #editor<'a>;

            fn descriptor() -> ::std::sync::Arc<::chronicle_model::ModelDescriptor> {
                static DESCRIPTOR: ::std::sync::OnceLock<::std::sync::Arc<::chronicle_model::ModelDescriptor>> =
                    ::std::sync::OnceLock::new();
                ::std::sync::Arc::clone(DESCRIPTOR.get_or_init(|| {
                    ::std::sync::Arc::new(::chronicle_model::ModelDescriptor {
                        name: ::std::string::String::from(#type_name),
                        collection: ::std::string::String::from(#collection),
                        fields: ::std::vec![#(#descriptors),*],
                    })
                }))
            }

            fn to_values(&self) -> ::std::vec::Vec<(&'static str, ::chronicle_model::Value)> {
                ::std::vec![#(#values),*]
            }

            fn from_state(
                state: &::chronicle_model::EntityState,
            ) -> ::std::result::Result<Self, ::chronicle_model::ModelError> {
                let descriptor = <Self as ::chronicle_model::Model>::descriptor();
                ::std::result::Result::Ok(Self { #(#reads),* })
            }

            fn editor(edit: ::chronicle_model::EntityEdit<'_>) -> Self::Editor<'_> {
                #editor(edit)
            }
        }
    }
}

/// Checks spanned at the user's types, so that a type the syntactic pass let
/// through but that isn't a `Field` (or a `Ref` to something that isn't a
/// `Model`) is reported with those traits' own messages, at that type.
///
/// They name the traits through qualified paths rather than through generic
/// `assert_*<T: Trait>()` helpers: the error for an unmet `<T as Field>` is
/// then identical to the one the generated impl hits for the same type, and
/// the compiler prints it once instead of once per use.
fn assertions(def: &ModelDef<'_>) -> TokenStream {
    let checks = def.fields.iter().map(|f| {
        let ty = &f.ty;
        let model_checks = f.shape.ref_targets.iter().map(|target| {
            quote_spanned! {target.span()=> let _ = <#target as ::chronicle_model::Model>::COLLECTION; }
        });
        let field_check = quote_spanned! {ty.span()=> let _ = <#ty as ::chronicle_model::Field>::field_type; };
        // The editor picks `set_x` or a text method from how the type is
        // spelled; these make the spelling agree with the real type.
        let kind_check = if f.shape.is_text {
            quote_spanned! {ty.span()=> text_field::<#ty>(); }
        } else {
            quote_spanned! {ty.span()=> scalar_field::<#ty>(); }
        };
        quote! { #(#model_checks)* #field_check #kind_check }
    });
    quote! {
        const _: () = {
            fn text_field<T: ::chronicle_model::TextField>() {}
            fn scalar_field<T: ::chronicle_model::ScalarField>() {}
            let _ = || {
                #(#checks)*
            };
        };
    }
}
