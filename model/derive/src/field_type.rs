//! Syntactic classification of field types.
//!
//! The macro only sees tokens, so this is a first, syntactic pass: it decides
//! which editor method a field gets (text fields are spelled `Text`), finds
//! the targets of `Ref<_>` so they can be checked to be models, and rejects
//! types that can never be fields with a message saying what to use instead.
//! Whether a remaining type really implements `Field` is left to the compiler,
//! through the assertions that `model_impl` generates.

use proc_macro2::Ident;
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, PathSegment, Type};

const SUPPORTED: &str = "supported field types are String, bool, i32, i64, f64, Timestamp, Text, Ref<M> of a model M, Option<T> of those except Text, and enums with #[derive(ModelEnum)]";

/// What the editor and the assertions need to know about a field type.
pub(crate) struct FieldShape {
    /// A collaborative text field: edited through `TextEdit`, never indexed.
    pub(crate) is_text: bool,
    /// The `M` of every `Ref<M>` in the type, each to be checked to be a model.
    pub(crate) ref_targets: Vec<Type>,
}

/// The kind of the outermost layer, which is what the nesting rules look at.
enum Kind {
    Text,
    Option,
    Other,
}

pub(crate) fn classify(ty: &Type) -> syn::Result<FieldShape> {
    let mut ref_targets = Vec::new();
    let kind = classify_into(ty, &mut ref_targets)?;
    Ok(FieldShape { is_text: matches!(kind, Kind::Text), ref_targets })
}

fn classify_into(ty: &Type, ref_targets: &mut Vec<Type>) -> syn::Result<Kind> {
    let path = match ty {
        Type::Paren(paren) => return classify_into(&paren.elem, ref_targets),
        Type::Group(group) => return classify_into(&group.elem, ref_targets),
        // `<T as Trait>::Assoc` may well name a field type; let the Field
        // assertion decide.
        Type::Path(path) if path.qself.is_some() => return Ok(Kind::Other),
        Type::Path(path) => &path.path,
        other => return Err(unsupported_shape(other)),
    };
    let Some(last) = path.segments.last() else {
        return Ok(Kind::Other);
    };
    let name = last.ident.to_string();
    if let Some(advice) = advice_for(&name) {
        return Err(syn::Error::new_spanned(ty, format!("unsupported field type `{name}`: {advice}; {SUPPORTED}")));
    }
    match name.as_str() {
        "Option" => {
            let inner = single_type_argument(last)?;
            match classify_into(inner, ref_targets)? {
                Kind::Option => Err(syn::Error::new_spanned(
                    ty,
                    "`Option<Option<T>>` is not supported: a field is either set or null, so one `Option` is enough",
                )),
                Kind::Text => Err(syn::Error::new_spanned(
                    ty,
                    "`Option<Text>` is not supported: a text field always exists and starts out empty; use `Text`",
                )),
                Kind::Other => Ok(Kind::Option),
            }
        }
        "Ref" => {
            ref_targets.push(single_type_argument(last)?.clone());
            Ok(Kind::Other)
        }
        _ => {
            if let Some(generic) = path.segments.iter().find(|s| !s.arguments.is_none()) {
                return Err(syn::Error::new_spanned(
                    ty,
                    format!(
                        "unsupported field type: `{}` has generic arguments, and only `Option<T>` and `Ref<M>` may; {SUPPORTED}",
                        generic.ident
                    ),
                ));
            }
            Ok(if name == "Text" { Kind::Text } else { Kind::Other })
        }
    }
}

/// What to use instead of a well-known type that can't be a field.
fn advice_for(name: &str) -> Option<&'static str> {
    Some(match name {
        "u8" | "u16" | "i8" | "i16" => "use `i32`",
        "u32" | "u64" | "u128" | "usize" | "i128" | "isize" => "use `i64`",
        "f32" => "use `f64`",
        "char" | "str" => "use `String`",
        "Vec" | "VecDeque" | "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet" => {
            "collections can't be fields; make the items a model of their own with a `Ref` back to this one"
        }
        "Box" | "Rc" | "Arc" | "Cell" | "RefCell" => "wrappers can't be fields; use the wrapped type directly",
        _ => return None,
    })
}

fn unsupported_shape(ty: &Type) -> syn::Error {
    let what = match ty {
        Type::Reference(_) => "references can't be fields: a model owns its data; use an owned type such as `String`",
        Type::Tuple(t) if t.elems.is_empty() => "`()` can't be a field",
        Type::Tuple(_) => "tuples can't be fields; use one field per element",
        Type::Array(_) | Type::Slice(_) => {
            "arrays and slices can't be fields; make the items a model of their own with a `Ref` back to this one"
        }
        Type::Ptr(_) => "raw pointers can't be fields",
        Type::ImplTrait(_) | Type::TraitObject(_) => "trait types (`impl Trait`, `dyn Trait`) can't be fields",
        Type::BareFn(_) => "function pointers can't be fields",
        Type::Never(_) => "`!` can't be a field",
        Type::Infer(_) => "field types must be written out, not inferred with `_`",
        _ => "this type can't be a field",
    };
    syn::Error::new_spanned(ty, format!("unsupported field type: {what}; {SUPPORTED}"))
}

fn single_type_argument(segment: &PathSegment) -> syn::Result<&Type> {
    if let PathArguments::AngleBracketed(args) = &segment.arguments
        && args.args.len() == 1
        && let Some(GenericArgument::Type(ty)) = args.args.first()
    {
        return Ok(ty);
    }
    let ident = &segment.ident;
    Err(syn::Error::new(segment.span(), format!("`{ident}` takes exactly one type argument, as in `{ident}<T>`")))
}

/// `Self` means the model inside its impl but the editor inside the editor,
/// and nothing at all in the assertions; spelling the model's name out makes
/// a self-referencing `Ref<Self>` mean the same thing everywhere.
pub(crate) fn replace_self(ty: &Type, model: &Ident) -> Type {
    let mut ty = ty.clone();
    replace_self_in(&mut ty, model);
    ty
}

fn replace_self_in(ty: &mut Type, model: &Ident) {
    match ty {
        Type::Paren(paren) => replace_self_in(&mut paren.elem, model),
        Type::Group(group) => replace_self_in(&mut group.elem, model),
        Type::Path(path) if path.qself.is_none() => {
            let is_self = path.path.leading_colon.is_none()
                && path.path.segments.len() == 1
                && path.path.segments.first().is_some_and(|s| s.ident == "Self" && s.arguments.is_none());
            if is_self {
                let span = path.path.span();
                *ty = syn::parse_quote_spanned!(span=> #model);
                return;
            }
            for segment in &mut path.path.segments {
                if let PathArguments::AngleBracketed(args) = &mut segment.arguments {
                    for arg in &mut args.args {
                        if let GenericArgument::Type(inner) = arg {
                            replace_self_in(inner, model);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(src: &str) -> Type {
        syn::parse_str(src).unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    #[test]
    fn accepts_supported_shapes() {
        for (src, is_text, refs) in [
            ("String", false, 0),
            ("i32", false, 0),
            ("Text", true, 0),
            ("chronicle_model::Text", true, 0),
            ("Ref<Artist>", false, 1),
            ("Option<Ref<Artist>>", false, 1),
            ("Option<String>", false, 0),
            ("std::option::Option<i64>", false, 0),
            ("MyEnum", false, 0),
        ] {
            let shape = classify(&ty(src)).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(shape.is_text, is_text, "{src}");
            assert_eq!(shape.ref_targets.len(), refs, "{src}");
        }
    }

    #[test]
    fn rejects_unsupported_shapes() {
        for src in [
            "u8",
            "Vec<String>",
            "&str",
            "(i32, i32)",
            "[u8; 4]",
            "*const u8",
            "fn()",
            "dyn Fn()",
            "Box<String>",
            "Option<Option<i32>>",
            "Option<Text>",
            "MyGeneric<i32>",
            "Option",
            "Ref<A, B>",
            "Option<Vec<i32>>",
        ] {
            assert!(classify(&ty(src)).is_err(), "{src}");
        }
    }

    #[test]
    fn replaces_self() {
        let model: Ident = syn::parse_str("Folder").unwrap_or_else(|e| panic!("{e}"));
        let replaced = replace_self(&ty("Option<Ref<Self>>"), &model);
        assert_eq!(replaced, ty("Option<Ref<Folder>>"));
    }
}
