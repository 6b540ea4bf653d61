//! `pathvein`: the command line of PyPI pathvein 0.9.0, on `pathvein-core`.
//!
//! ```text
//! cargo run -p examples --example pathvein -- scan SOURCE -p FILE [-p FILE...]
//! cargo run -p examples --example pathvein -- shuffle SOURCE DEST -p FILE... [--overwrite] [--dryrun]
//! ```
//!
//! `scan` prints one absolute path per (directory, pattern) match, one per line (sorted, where
//! pathvein prints in set order). `shuffle` prints pathvein's messages: the directories it will
//! copy, `SOURCE -> DEST` per copy and `Copied N directories`; skipped items are logged on stderr
//! as `ERROR    Destination folder already exists: DEST. Skipping: NAME`. Usage errors exit with
//! status 2, runtime errors with status 1 and a one-line message.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pathvein_core::{
    FileStructurePattern, ScanMatch, ShuffleError, ShuffleOptions, scan, shuffle_to,
};

const USAGE: &str = "\
Usage: pathvein [OPTIONS] COMMAND [ARGS]...

Commands:
  scan     SOURCE -p/--pattern FILE [-p FILE...] [-v...]
  shuffle  SOURCE DESTINATION -p/--pattern FILE [-p FILE...] [--overwrite/--no-overwrite]
           [--dryrun/--no-dryrun] [-v...]

Options:
  -h, --help  Show this message and exit.";

/// A parsed command line.
#[derive(Debug)]
enum Command {
    Help,
    Scan {
        source: PathBuf,
        patterns: Vec<PathBuf>,
        verbose: usize,
    },
    Shuffle {
        source: PathBuf,
        dest: PathBuf,
        patterns: Vec<PathBuf>,
        overwrite: bool,
        dryrun: bool,
        verbose: usize,
    },
}

fn parse(args: &[String]) -> Result<Command, String> {
    let Some((command, rest)) = args.split_first() else {
        return Err("Missing command.".into());
    };
    if command == "-h" || command == "--help" {
        return Ok(Command::Help);
    }
    let mut positional = Vec::new();
    let mut patterns = Vec::new();
    let (mut overwrite, mut dryrun) = (false, false);
    let mut verbose = 0;
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-p" | "--pattern" => {
                let file = it
                    .next()
                    .ok_or_else(|| format!("Option '{arg}' requires an argument."))?;
                patterns.push(PathBuf::from(file));
            }
            "--overwrite" if command == "shuffle" => overwrite = true,
            "--no-overwrite" if command == "shuffle" => overwrite = false,
            "--dryrun" if command == "shuffle" => dryrun = true,
            "--no-dryrun" if command == "shuffle" => dryrun = false,
            v if v.starts_with("-v") && v[1..].chars().all(|c| c == 'v') => verbose += v.len() - 1,
            "--verbose" => verbose += 1,
            other if other.starts_with('-') && other.len() > 1 => {
                return Err(format!("No such option: {other}"));
            }
            other => positional.push(PathBuf::from(other)),
        }
    }
    let want = match command.as_str() {
        "scan" => 1,
        "shuffle" => 2,
        other => return Err(format!("No such command '{other}'.")),
    };
    if positional.len() < want {
        return Err("Missing argument.".into());
    }
    if positional.len() > want {
        return Err(format!(
            "Got unexpected extra argument ({})",
            positional[want].display()
        ));
    }
    if patterns.is_empty() {
        return Err("Missing option '--pattern' / '-p'.".into());
    }
    let mut positional = positional.into_iter();
    let source = positional.next().unwrap_or_default();
    Ok(if want == 1 {
        Command::Scan {
            source,
            patterns,
            verbose,
        }
    } else {
        let dest = positional.next().unwrap_or_default();
        Command::Shuffle {
            source,
            dest,
            patterns,
            overwrite,
            dryrun,
            verbose,
        }
    })
}

/// Loads the pattern files; equal patterns collapse, as in pathvein's result set.
fn load(files: &[PathBuf]) -> Result<Vec<FileStructurePattern>, String> {
    let mut patterns: Vec<FileStructurePattern> = Vec::new();
    for file in files {
        let p = FileStructurePattern::load_json(file).map_err(|e| e.to_string())?;
        if !patterns.contains(&p) {
            patterns.push(p);
        }
    }
    Ok(patterns)
}

/// Scans; directories skipped are logged at pathvein's WARNING level (shown with `-v`).
fn find(
    source: &Path,
    patterns: &[FileStructurePattern],
    verbose: usize,
) -> Result<Vec<ScanMatch>, String> {
    let found = scan(source, patterns).map_err(|e| e.to_string())?;
    if verbose > 0 {
        for error in &found.errors {
            eprintln!("WARNING  {error}");
        }
    }
    Ok(found.matches)
}

fn print_path(out: &mut impl Write, path: &Path) -> std::io::Result<()> {
    out.write_all(path.as_os_str().as_encoded_bytes())?;
    out.write_all(b"\n")
}

fn run(command: Command) -> Result<(), String> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e: std::io::Error| e.to_string();
    let result = match command {
        Command::Help => writeln!(out, "{USAGE}").map_err(io),
        Command::Scan {
            source,
            patterns,
            verbose,
        } => {
            let patterns = load(&patterns)?;
            for m in find(&source, &patterns, verbose)? {
                print_path(&mut out, &m.path).map_err(io)?;
            }
            Ok(())
        }
        Command::Shuffle {
            source,
            dest,
            patterns,
            overwrite,
            dryrun,
            verbose,
        } => {
            let patterns = load(&patterns)?;
            let matches = find(&source, &patterns, verbose)?;
            writeln!(out, "This operation will copy the following directories:").map_err(io)?;
            for m in &matches {
                print_path(&mut out, &m.path).map_err(io)?;
            }
            let options = ShuffleOptions::new().overwrite(overwrite).dryrun(dryrun);
            let report =
                shuffle_to(&matches, &patterns, &dest, &options).map_err(|e| e.to_string())?;
            for failure in &report.failed {
                let name = failure
                    .source
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy();
                match failure.error {
                    ShuffleError::DestinationExists | ShuffleError::Collision { .. } => eprintln!(
                        "ERROR    Destination folder already exists: {}. Skipping: {name}",
                        failure.destination.display()
                    ),
                    ref other => eprintln!("ERROR    {}: {other}", failure.source.display()),
                }
            }
            for r in &report.done {
                out.write_all(r.source.as_os_str().as_encoded_bytes())
                    .map_err(io)?;
                out.write_all(b" -> ").map_err(io)?;
                print_path(&mut out, &r.destination).map_err(io)?;
            }
            writeln!(out, "Copied {} directories", report.done.len()).map_err(io)
        }
    };
    result.and_then(|()| out.flush().map_err(io))
}

fn main() -> ExitCode {
    let args: Vec<String> = match std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect()
    {
        Ok(args) => args,
        Err(bad) => {
            eprintln!("Error: argument {bad:?} is not valid UTF-8");
            return ExitCode::from(2);
        }
    };
    let command = match parse(&args) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("{USAGE}\n\nError: {message}");
            return ExitCode::from(2);
        }
    };
    match run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}
