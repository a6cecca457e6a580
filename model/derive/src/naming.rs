//! Collection names: the snake_case form of a type name, and the rule a
//! collection name must follow.

/// `PlaylistEntry` → `playlist_entry`, `HTTPServer` → `http_server`,
/// `Mp3File` → `mp3_file`.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).and_then(|j| chars.get(j));
            let next = chars.get(i + 1);
            // An acronym ends where an uppercase letter is followed by a
            // lowercase one: the last capital starts the next word.
            let starts_word = prev.is_some_and(|&p| {
                p.is_lowercase() || p.is_ascii_digit() || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            });
            if starts_word {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Collection names end up in storage keys, index names and GraphQL, so they
/// are kept to a portable alphabet: `[a-z][a-z0-9_]*`.
pub(crate) fn is_collection_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases_type_names() {
        for (name, snake) in [
            ("Album", "album"),
            ("PlaylistEntry", "playlist_entry"),
            ("HTTPServer", "http_server"),
            ("UserID", "user_id"),
            ("Mp3File", "mp3_file"),
            ("Album2", "album2"),
            ("Already_Snake", "already_snake"),
            ("ABC", "abc"),
        ] {
            assert_eq!(snake_case(name), snake, "{name}");
        }
    }

    #[test]
    fn validates_collection_names() {
        for ok in ["album", "playlist_entry", "a1", "a_"] {
            assert!(is_collection_name(ok), "{ok}");
        }
        for bad in ["", "Album", "1album", "_album", "play-list", "café"] {
            assert!(!is_collection_name(bad), "{bad}");
        }
    }
}
