use chronicle_model::{Model, Ref, Text};

#[derive(Model)]
pub struct Artist {
    pub name: String,
}

#[derive(Model)]
pub struct Album {
    pub heads: i32,
    pub created_at: String,
    pub text_state: Text,
    pub artist: Ref<Artist>,
    pub artist_id: String,
}

fn main() {}
