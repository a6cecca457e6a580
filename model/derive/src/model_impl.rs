//! `#[derive(Model)]`'s `Model` impl with its descriptor, and the
//! compile-time assertions on field types.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::LitStr;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::def::ModelDef;

pub(crate) fn model_impl(def: &ModelDef<'_>) -> TokenStream {
    let ident = def.ident;
    let collection = &def.collection;
    let type_name = LitStr::new(&ident.unraw().to_string(), ident.span());
    let editor = def.editor_ident();

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
pub(crate) fn assertions(def: &ModelDef<'_>) -> TokenStream {
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
