//! The tour: an end-to-end demo of every crate in the workspace, on embedded defaults.
//!
//! ```text
//! cargo run --release -p examples --example tour
//! ```
//!
//! Each crate that has landed adds a section here (a module in `tour/`). Every section runs on data
//! it makes itself (and servers it starts itself, saying so when a binary is missing), and the
//! tour exits non-zero if any section fails.

use std::process::ExitCode;

#[path = "tour/covet.rs"]
mod covet;
#[path = "tour/pathvein.rs"]
mod pathvein;
#[path = "tour/pyrsedis.rs"]
mod pyrsedis;

/// One section of the tour: a crate's name and the demo that exercises it.
type Section = (&'static str, fn() -> Result<(), Box<dyn std::error::Error>>);

/// The sections, in the order they run. Each subsystem issue appends its crate's section.
const SECTIONS: &[Section] = &[
    ("pyrsedis-core", pyrsedis::run),
    ("pathvein-core", pathvein::run),
    ("covet-core", covet::run),
];

fn main() -> ExitCode {
    if SECTIONS.is_empty() {
        println!("tour: no crate has landed yet; nothing to show (exit 0)");
        return ExitCode::SUCCESS;
    }
    let mut failed = 0;
    for (name, run) in SECTIONS {
        println!("== {name} ==");
        if let Err(err) = run() {
            eprintln!("tour: {name} failed: {err}");
            failed += 1;
        }
    }
    if failed == 0 {
        println!("tour: all {} sections ran", SECTIONS.len());
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
