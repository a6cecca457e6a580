//! Derive macros for Chronicle models.
//!
//! `#[derive(Model)]` turns a struct with named fields into a Chronicle model:
//! it implements `chronicle_model::Model` (collection name, descriptor,
//! conversion to and from values) and generates a typed editor, `<Name>Edit`,
//! with a `set_<field>` method per scalar field and a `<field>()` method per
//! text field.
//!
//! `#[derive(ModelEnum)]` turns a fieldless enum into a field type stored as
//! its variant name.
//!
//! Every mistake in the input is reported as a spanned compile error rather
//! than a panic, and several mistakes are reported together, so one build
//! shows everything that needs fixing. Field types that look fine to the
//! macro but don't implement `Field` (or a `Ref` to something that isn't a
//! model) are caught by the compiler through spanned trait assertions, which
//! surface the traits' `on_unimplemented` messages at the offending type.
//!
//! Generated code names everything by absolute path (`::chronicle_model::…`,
//! `::std::…`), so it works whatever the user has imported.

mod attrs;
mod def;
mod editor;
mod errors;
mod field_type;
mod model_enum;
mod model_impl;
mod naming;

use proc_macro::TokenStream;

/// Derives `chronicle_model::Model` and a typed editor for a struct with named fields.
///
/// Struct attribute: `#[chronicle(collection = "name")]` (default: the type
/// name in snake_case). Field attribute: `#[chronicle(unindexed)]`.
#[proc_macro_derive(Model, attributes(chronicle))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    match def::parse(&input) {
        // The assertions come first so that their errors, which point at the
        // exact offending type, are the first ones the user reads.
        Ok(def) => {
            let (assertions, model_impl, editor) =
                (model_impl::assertions(&def), model_impl::model_impl(&def), editor::editor(&def));
            quote::quote!(#assertions #model_impl #editor).into()
        }
        Err(e) => e.into_compile_error().into(),
    }
}

/// Derives `chronicle_model::ModelEnum` and `chronicle_model::Field` for an
/// enum whose variants carry no data.
#[proc_macro_derive(ModelEnum)]
pub fn derive_model_enum(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    model_enum::derive(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}
