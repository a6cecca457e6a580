//! What `#[derive(Model)]` and `#[derive(ModelEnum)]` generate, checked
//! through the traits: descriptors, values, and the editor's existence.
//! Editing through transactions is covered with the transaction tests.

use chronicle_model::{
    EntityId, Field, FieldDescriptor, FieldType, Model, ModelEnum, Ref, ScalarType, Text, Timestamp, Value,
};

#[derive(Debug, Model)]
pub struct Artist {
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ModelEnum)]
pub enum Format {
    Vinyl,
    Cd,
    Digital,
}

#[derive(Debug, Model)]
#[chronicle(collection = "records")]
pub struct Album {
    pub name: String,
    #[chronicle(unindexed)]
    pub notes: Option<String>,
    pub year: i32,
    pub plays: i64,
    pub rating: f64,
    pub favourite: bool,
    pub released: Timestamp,
    pub format: Format,
    pub previous_format: Option<Format>,
    pub artist: Ref<Artist>,
    pub producer: Option<Ref<Artist>>,
    pub description: Text,
}

#[derive(Debug, Model)]
pub struct PlaylistEntry {
    pub position: i32,
    #[chronicle(unindexed)]
    pub album: Ref<Album>,
}

/// A tree: `Self` inside `Ref` names the model itself.
#[derive(Model)]
pub(crate) struct Folder {
    pub(crate) r#type: String,
    pub(crate) parent: Option<Ref<Self>>,
}

mod nested {
    use chronicle_model::Model;

    /// A private model: its editor is private too, and that must compile
    /// without privacy errors or warnings.
    #[derive(Model)]
    struct Secret {
        code: i32,
    }

    #[derive(Model)]
    pub(super) struct Shelf {
        pub(super) label: String,
    }

    pub(super) fn secret_collection() -> &'static str {
        Secret::COLLECTION
    }

    pub(super) fn secret_values() -> Vec<(&'static str, chronicle_model::Value)> {
        Secret { code: 7 }.to_values()
    }
}

fn scalar(ty: ScalarType, optional: bool) -> FieldType {
    FieldType::Scalar { ty, optional }
}

fn format_type() -> ScalarType {
    ScalarType::Enum {
        name: "Format".to_owned(),
        variants: vec!["Vinyl".to_owned(), "Cd".to_owned(), "Digital".to_owned()],
    }
}

fn artist_ref() -> ScalarType {
    ScalarType::Ref { collection: "artist".to_owned() }
}

#[test]
fn collection_defaults_to_snake_case_of_the_type_name() {
    assert_eq!(Artist::COLLECTION, "artist");
    assert_eq!(PlaylistEntry::COLLECTION, "playlist_entry");
    assert_eq!(Folder::COLLECTION, "folder");
    assert_eq!(PlaylistEntry::descriptor().name, "PlaylistEntry");
    assert_eq!(PlaylistEntry::descriptor().collection, "playlist_entry");
}

#[test]
fn models_can_be_private_or_restricted() {
    assert_eq!(nested::secret_collection(), "secret");
    assert_eq!(nested::secret_values(), vec![("code", Value::I32(7))]);
    assert_eq!(nested::Shelf::COLLECTION, "shelf");
    let _ = nested::Shelf { label: String::new() };
}

#[test]
fn collection_attribute_overrides_the_default() {
    assert_eq!(Album::COLLECTION, "records");
    let descriptor = Album::descriptor();
    assert_eq!(descriptor.name, "Album");
    assert_eq!(descriptor.collection, "records");
}

#[test]
fn descriptor_lists_fields_in_declaration_order_with_types_and_indexes() {
    let expected = vec![
        FieldDescriptor::new("name", scalar(ScalarType::String, false), false),
        FieldDescriptor::new("notes", scalar(ScalarType::String, true), true),
        FieldDescriptor::new("year", scalar(ScalarType::I32, false), false),
        FieldDescriptor::new("plays", scalar(ScalarType::I64, false), false),
        FieldDescriptor::new("rating", scalar(ScalarType::F64, false), false),
        FieldDescriptor::new("favourite", scalar(ScalarType::Bool, false), false),
        FieldDescriptor::new("released", scalar(ScalarType::Timestamp, false), false),
        FieldDescriptor::new("format", scalar(format_type(), false), false),
        FieldDescriptor::new("previous_format", scalar(format_type(), true), false),
        FieldDescriptor::new("artist", scalar(artist_ref(), false), false),
        FieldDescriptor::new("producer", scalar(artist_ref(), true), false),
        FieldDescriptor::new("description", FieldType::Text, false),
    ];
    assert_eq!(Album::descriptor().fields, expected);

    let indexed: Vec<_> = Album::descriptor().fields.iter().filter(|f| f.indexed).map(|f| f.name.clone()).collect();
    assert!(!indexed.contains(&"notes".to_owned()), "unindexed scalar");
    assert!(!indexed.contains(&"description".to_owned()), "text is never indexed");
    assert!(indexed.contains(&"name".to_owned()));
}

#[test]
fn ref_fields_name_their_target_collection() {
    let album = Album::descriptor();
    assert_eq!(album.field("artist").and_then(FieldDescriptor::relation), Some("artist"));
    assert_eq!(album.field("producer").and_then(FieldDescriptor::relation), Some("artist"));

    let entry = PlaylistEntry::descriptor();
    let target = entry.field("album");
    assert_eq!(target.and_then(FieldDescriptor::relation), Some("records"));
    assert_eq!(target.map(|f| f.indexed), Some(false));

    let folder = Folder::descriptor();
    assert_eq!(folder.field("parent").and_then(FieldDescriptor::relation), Some("folder"));
}

#[test]
fn raw_identifiers_are_stored_without_the_prefix() {
    let names: Vec<_> = Folder::descriptor().fields.iter().map(|f| f.name.clone()).collect();
    assert_eq!(names, ["type", "parent"]);
}

#[test]
fn descriptor_is_built_once() {
    assert!(std::sync::Arc::ptr_eq(&Album::descriptor(), &Album::descriptor()));
}

#[test]
fn to_values_gives_every_field_in_order() {
    let artist = EntityId::from_bytes([7; 16]);
    let album = Album {
        name: "Blue".to_owned(),
        notes: None,
        year: 1971,
        plays: 12,
        rating: 4.5,
        favourite: true,
        released: Timestamp::from_millis(1_000),
        format: Format::Vinyl,
        previous_format: Some(Format::Cd),
        artist: Ref::new(artist),
        producer: None,
        description: Text::new("A river"),
    };
    assert_eq!(
        album.to_values(),
        vec![
            ("name", Value::String("Blue".to_owned())),
            ("notes", Value::Null),
            ("year", Value::I32(1971)),
            ("plays", Value::I64(12)),
            ("rating", Value::F64(4.5)),
            ("favourite", Value::Bool(true)),
            ("released", Value::Timestamp(Timestamp::from_millis(1_000))),
            ("format", Value::String("Vinyl".to_owned())),
            ("previous_format", Value::String("Cd".to_owned())),
            ("artist", Value::Ref(artist)),
            ("producer", Value::Null),
            ("description", Value::String("A river".to_owned())),
        ]
    );
}

#[test]
fn model_enum_names_and_round_trips_its_variants() {
    assert_eq!(Format::NAME, "Format");
    assert_eq!(Format::VARIANTS, ["Vinyl", "Cd", "Digital"]);
    for format in [Format::Vinyl, Format::Cd, Format::Digital] {
        assert_eq!(Format::from_name(format.as_str()), Some(format));
        assert_eq!(Format::from_value(format.to_value()), Some(format));
    }
    assert_eq!(Format::Cd.to_value(), Value::String("Cd".to_owned()));
    assert_eq!(Format::from_name("Cassette"), None);
    assert_eq!(Format::from_value(Value::String("Cassette".to_owned())), None);
    assert_eq!(Format::from_value(Value::I32(1)), None);
    assert_eq!(Format::field_type(), scalar(format_type(), false));
}

/// The editors are checked to exist with the expected methods; driving them
/// needs a transaction, which the transaction tests do.
#[allow(dead_code)]
fn editors_have_typed_methods(
    album: &mut AlbumEdit<'_>,
    entry: &mut PlaylistEntryEdit<'_>,
    folder: &mut FolderEdit<'_>,
    artist: Ref<Artist>,
) {
    let _: EntityId = album.id();
    album
        .set_name("Blue")
        .set_notes(Some("first pressing".to_owned()))
        .set_year(1971)
        .set_plays(12_i64)
        .set_rating(4.5)
        .set_favourite(true)
        .set_released(Timestamp::from_millis(0))
        .set_format(Format::Cd)
        .set_previous_format(None)
        .set_artist(artist)
        .set_producer(Some(artist));
    let _: chronicle_model::TextEdit<'_> = album.description();
    entry.set_position(1).set_album(EntityId::from_bytes([1; 16]));
    folder.set_type("dir").set_parent(None);
}

#[test]
fn editor_is_the_models_editor_type() {
    // Compiles only if `M::Editor<'a>` is exactly `E`.
    fn editor_is<'a, M: Model<Editor<'a> = E>, E>() {}
    editor_is::<Album, AlbumEdit<'_>>();
    editor_is::<PlaylistEntry, PlaylistEntryEdit<'_>>();
    editor_is::<Folder, FolderEdit<'_>>();
    editor_is::<nested::Shelf, nested::ShelfEdit<'_>>();
}
