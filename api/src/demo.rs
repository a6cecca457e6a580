//! The demo app: a music catalogue (DESIGN.md section 6). Ordinary user code.

use chronicle_model::{Model, ModelError, Models, Ref, Text, models};

#[derive(Debug, Clone, Model)]
pub struct Artist {
    pub name: String,
    pub country: Option<String>,
}

#[derive(Debug, Clone, Model)]
pub struct Album {
    pub name: String,
    pub year: i32,
    pub artist: Ref<Artist>,
    pub description: Text,
}

#[derive(Debug, Clone, Model)]
pub struct Track {
    pub name: String,
    pub position: i32,
    pub album: Ref<Album>,
}

#[derive(Debug, Clone, Model)]
pub struct Playlist {
    pub name: String,
}

/// A track on a playlist: the many-to-many link between the two.
#[derive(Debug, Clone, Model)]
pub struct PlaylistEntry {
    pub playlist: Ref<Playlist>,
    pub track: Ref<Track>,
    pub position: i32,
}

/// Every model of the demo app.
pub fn catalogue() -> Result<Models, ModelError> {
    models![Artist, Album, Track, Playlist, PlaylistEntry]
}
