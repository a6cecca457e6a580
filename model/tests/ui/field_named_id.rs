use chronicle_model::Model;

#[derive(Model)]
pub struct Artist {
    pub id: String,
    pub name: String,
}

fn main() {}
