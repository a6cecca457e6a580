use chronicle_model::Model;

#[derive(Model)]
pub struct Point(pub i32, pub i32);

fn main() {}
