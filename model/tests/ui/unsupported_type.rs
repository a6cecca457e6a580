use chronicle_model::Model;

#[derive(Model)]
pub struct Track {
    pub title: String,
    pub volume: u8,
    pub tags: Vec<String>,
}

fn main() {}
