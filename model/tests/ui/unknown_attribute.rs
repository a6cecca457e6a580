use chronicle_model::{Model, Text};

#[derive(Model)]
#[chronicle(table = "albums")]
pub struct Album {
    #[chronicle(indexed)]
    pub name: String,
    #[chronicle(unindexed)]
    pub description: Text,
}

fn main() {}
