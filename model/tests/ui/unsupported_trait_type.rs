use chronicle_model::Model;

pub struct Dimensions {
    pub width: i32,
    pub height: i32,
}

#[derive(Model)]
pub struct Poster {
    pub title: String,
    pub size: Dimensions,
}

fn main() {}
