use chronicle_model::Model;

#[derive(Model)]
pub struct Tagged<T> {
    pub tag: T,
}

fn main() {}
