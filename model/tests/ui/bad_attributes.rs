use chronicle_model::Model;

#[derive(Model)]
#[chronicle(collection = "Albums", unindexed, table = "albums")]
pub struct Album {
    #[chronicle(unindexed = true)]
    pub name: String,
    #[chronicle(collection = "x")]
    pub year: i32,
    #[chronicle(unindexed, unindexed)]
    pub notes: String,
    #[chronicle(index(unique), unindexed)]
    pub code: String,
}

fn main() {}
