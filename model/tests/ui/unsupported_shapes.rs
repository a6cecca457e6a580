use chronicle_model::{Model, Text};

pub struct Wrapper<T>(T);

#[derive(Model)]
pub struct Everything {
    pub borrowed: &'static str,
    pub pair: (i32, i32),
    pub bytes: [i32; 4],
    pub maybe_maybe: Option<Option<i32>>,
    pub optional_text: Option<Text>,
    pub wrapped: Wrapper<i32>,
    pub boxed: Box<String>,
    pub small: Option<f32>,
}

fn main() {}
