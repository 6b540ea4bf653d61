//! The pathvein-core section: build a small tree of experiments, write a pattern file in
//! pathvein's JSON, scan for the experiments that have the right shape, and copy them out.

use std::error::Error;
use std::fs;

use pathvein_core::{FileStructurePattern, ShuffleOptions, scan, shuffle_to};

/// Runs the section.
pub(crate) fn run() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let src = dir.path().join("lab");
    for (exp, with_raw) in [("exp_001", true), ("exp_002", false), ("exp_003", true)] {
        fs::create_dir_all(src.join(exp))?;
        fs::write(src.join(exp).join("data.csv"), format!("{exp}\n"))?;
        fs::write(src.join(exp).join("scratch.tmp"), "")?;
        if with_raw {
            fs::create_dir_all(src.join(exp).join("raw"))?;
            fs::write(src.join(exp).join("raw/run.parquet"), "")?;
        }
    }

    let raw = FileStructurePattern::builder()
        .directory_name("raw")
        .file("*.parquet")
        .build();
    let pattern = FileStructurePattern::builder()
        .directory_name("exp_*")
        .file("*.csv")
        .optional_file("notes.txt")
        .directory(raw)
        .build();
    let pattern_file = dir.path().join("experiment.json");
    fs::write(&pattern_file, pattern.to_json())?;
    println!(
        "pattern file (pathvein's format): {} bytes",
        pattern.to_json().len()
    );
    let patterns = [FileStructurePattern::load_json(&pattern_file)?];

    let found = scan(&src, &patterns)?;
    println!(
        "scan found {} experiments with raw data:",
        found.matches.len()
    );
    for m in &found.matches {
        println!(
            "  {}",
            m.path.strip_prefix(fs::canonicalize(&src)?)?.display()
        );
    }
    if found.matches.len() != 2 || !found.errors.is_empty() {
        return Err(format!("expected 2 matches and no errors, got {found:?}").into());
    }

    let dest = dir.path().join("archive");
    let report = shuffle_to(&found.matches, &patterns, &dest, &ShuffleOptions::new())?;
    for r in &report.done {
        println!(
            "  copied {} files -> {}",
            r.files,
            r.destination.strip_prefix(dir.path())?.display()
        );
    }
    let again = shuffle_to(&found.matches, &patterns, &dest, &ShuffleOptions::new())?;
    println!(
        "second run: {} copied, {} skipped (destination exists)",
        again.done.len(),
        again.failed.len()
    );
    if !dest.join("exp_001/raw/run.parquet").exists() || dest.join("exp_001/scratch.tmp").exists() {
        return Err("the archive does not hold exactly the pattern's files".into());
    }
    Ok(())
}
