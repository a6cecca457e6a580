use chronicle_model::{Model, ModelEnum};

#[derive(Model)]
pub enum Format {
    Vinyl,
    Digital,
}

#[derive(ModelEnum)]
pub enum Nothing {}

#[derive(ModelEnum)]
pub struct NotAnEnum {
    pub x: i32,
}

fn main() {}
