//! The committed `schema.graphql` is what `chronicle schema` prints.

use std::path::Path;

#[test]
fn committed_schema_graphql_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let generated = chronicle_tests::run_cli(&["schema"]);
    assert!(generated.contains("type Query") && generated.contains("type Mutation"), "`chronicle schema` printed SDL");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let first_difference = committed
            .lines()
            .zip(generated.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}: committed `{a}`, generated `{b}`", i + 1))
            .unwrap_or_else(|| {
                format!("{} lines committed, {} generated", committed.lines().count(), generated.lines().count())
            });
        panic!(
            "{} is stale ({first_difference}).\nRegenerate it from the workspace root with:\n\n    cargo run -p chronicle-api -- schema > schema.graphql\n",
            path.display()
        );
    }
}
