use chronicle_model::Model;

/// A user's own type that happens to be called `Text`.
#[derive(Debug, Clone)]
pub struct Text(String);

#[derive(Model)]
pub struct Note {
    pub body: Text,
}

mod aliased {
    use chronicle_model::Model;

    /// Chronicle's `Text` under another name.
    pub type Prose = chronicle_model::Text;

    #[derive(Model)]
    pub struct Essay {
        pub body: Prose,
    }
}

fn main() {}
