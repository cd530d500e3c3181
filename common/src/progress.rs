//! Progress: stages whose stdout is a pipe send `progress` records downstream
//! (rate-limited); the last stage draws every stage's progress, one line a
//! stage, with indicatif on stderr when stderr is a terminal.
