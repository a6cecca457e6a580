use chronicle_model::{Model, Ref};

pub struct NotAModel {
    pub name: String,
}

#[derive(Model)]
pub struct Album {
    pub name: String,
    pub artist: Ref<NotAModel>,
}

fn main() {}
