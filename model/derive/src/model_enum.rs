//! `#[derive(ModelEnum)]`: a fieldless enum stored as its variant name.
//!
//! Storing names rather than discriminants keeps stored data readable and
//! lets variants be reordered without a migration.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::errors::Errors;

pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let ident = &input.ident;

    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        errors.spanned(
            &input.generics,
            "#[derive(ModelEnum)] does not support generics: the stored variant names must be fixed",
        );
    }
    let Data::Enum(data) = &input.data else {
        errors.spanned(ident, "#[derive(ModelEnum)] needs an enum whose variants carry no data");
        errors.finish()?;
        return Ok(TokenStream::new());
    };
    if data.variants.is_empty() {
        let token = &data.enum_token;
        errors.spanned(
            quote!(#token #ident),
            "#[derive(ModelEnum)] needs at least one variant: a field of an empty enum could never hold a value",
        );
    }
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            errors.spanned(
                variant,
                format!(
                    "variant `{}` carries data; #[derive(ModelEnum)] stores only the variant name, so every variant must be a plain unit variant",
                    variant.ident
                ),
            );
        }
    }
    errors.finish()?;

    let variants: Vec<_> = data.variants.iter().map(|v| &v.ident).collect();
    let names: Vec<_> = variants.iter().map(|v| LitStr::new(&v.unraw().to_string(), v.span())).collect();
    let type_name = LitStr::new(&ident.unraw().to_string(), ident.span());

    Ok(quote! {
        #[automatically_derived]
        impl ::chronicle_model::ModelEnum for #ident {
            const NAME: &'static str = #type_name;
            const VARIANTS: &'static [&'static str] = &[#(#names),*];

            fn as_str(&self) -> &'static str {
                match self {
                    #(Self::#variants => #names,)*
                }
            }

            fn from_name(name: &str) -> ::std::option::Option<Self> {
                match name {
                    #(#names => ::std::option::Option::Some(Self::#variants),)*
                    _ => ::std::option::Option::None,
                }
            }
        }

        #[automatically_derived]
        impl ::chronicle_model::ScalarField for #ident {}

        #[automatically_derived]
        impl ::chronicle_model::Field for #ident {
            fn field_type() -> ::chronicle_model::FieldType {
                ::chronicle_model::FieldType::Scalar {
                    ty: ::chronicle_model::ScalarType::Enum {
                        name: ::std::string::String::from(
                            <Self as ::chronicle_model::ModelEnum>::NAME,
                        ),
                        variants: <Self as ::chronicle_model::ModelEnum>::VARIANTS
                            .iter()
                            .map(|&variant| ::std::string::String::from(variant))
                            .collect(),
                    },
                    optional: false,
                }
            }

            fn to_value(&self) -> ::chronicle_model::Value {
                ::chronicle_model::Value::String(::std::string::String::from(
                    <Self as ::chronicle_model::ModelEnum>::as_str(self),
                ))
            }

            fn from_value(value: ::chronicle_model::Value) -> ::std::option::Option<Self> {
                match value {
                    ::chronicle_model::Value::String(name) => {
                        <Self as ::chronicle_model::ModelEnum>::from_name(&name)
                    }
                    _ => ::std::option::Option::None,
                }
            }
        }
    })
}
