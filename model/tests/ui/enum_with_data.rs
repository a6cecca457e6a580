use chronicle_model::ModelEnum;

#[derive(ModelEnum)]
pub enum Format {
    Vinyl,
    Digital(String),
}

fn main() {}
