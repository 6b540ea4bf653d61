//! Shared machinery for side-by-side benchmarks.
//!
//! These machines are shared and noisy, so a comparison never runs one program after the other:
//! [`Contest`] runs every contender once per round, in rotating order, for many rounds, and
//! reports each contender's median and its ratio to the first contender (the baseline). CPU time
//! of another process (a server under load) is read with [`process_cpu_time`].
//!
//! ```
//! use std::time::Duration;
//! use benches::Contest;
//!
//! let mut contest = Contest::new("sum_1k", 5);
//! contest.contender("iter", || { let t = std::time::Instant::now(); let s: u64 = (0..1000u64).sum(); std::hint::black_box(s); t.elapsed() });
//! contest.contender("loop", || { let t = std::time::Instant::now(); let mut s = 0u64; for i in 0..1000u64 { s += i } std::hint::black_box(s); t.elapsed() });
//! let report = contest.run();
//! assert_eq!(report.results.len(), 2);
//! assert_eq!(report.results[0].ratio_to_baseline, 1.0);
//! println!("{}", report.to_markdown());
//! ```

use std::fmt::Write as _;
use std::time::Duration;

/// One measured run of a contender: performs the work once and returns how long it took.
type Run<'a> = Box<dyn FnMut() -> Duration + 'a>;

/// A side-by-side comparison run in interleaved rounds.
pub struct Contest<'a> {
    name: String,
    rounds: usize,
    contenders: Vec<(String, Run<'a>)>,
}

impl std::fmt::Debug for Contest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.contenders.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Contest")
            .field("name", &self.name)
            .field("rounds", &self.rounds)
            .field("contenders", &names)
            .finish()
    }
}

/// The outcome of one contender in a [`Contest`].
#[derive(Debug, Clone, PartialEq)]
pub struct ContenderResult {
    /// The contender's name.
    pub name: String,
    /// Median of its per-round durations.
    pub median: Duration,
    /// Fastest round.
    pub min: Duration,
    /// Slowest round.
    pub max: Duration,
    /// `median / baseline median`: below 1.0 is faster than the baseline.
    pub ratio_to_baseline: f64,
}

/// Every contender's result, baseline first.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The contest's name.
    pub name: String,
    /// Rounds run.
    pub rounds: usize,
    /// One result per contender, in the order they were added.
    pub results: Vec<ContenderResult>,
}

impl<'a> Contest<'a> {
    /// A contest of `rounds` rounds (at least one).
    pub fn new(name: impl Into<String>, rounds: usize) -> Self {
        Contest {
            name: name.into(),
            rounds: rounds.max(1),
            contenders: Vec::new(),
        }
    }

    /// Adds a contender; the first one added is the baseline.
    pub fn contender(&mut self, name: impl Into<String>, run: impl FnMut() -> Duration + 'a) {
        self.contenders.push((name.into(), Box::new(run)));
    }

    /// Runs every round, rotating which contender goes first, and summarises.
    pub fn run(mut self) -> Report {
        let n = self.contenders.len();
        let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(self.rounds); n];
        for round in 0..self.rounds {
            for k in 0..n {
                let i = (round + k) % n;
                let elapsed = (self.contenders[i].1)();
                samples[i].push(elapsed);
            }
        }
        let medians: Vec<Duration> = samples.iter_mut().map(|s| median(s)).collect();
        let baseline = medians.first().copied().unwrap_or_default();
        let results = self
            .contenders
            .iter()
            .zip(samples.iter().zip(&medians))
            .map(|((name, _), (s, &median))| ContenderResult {
                name: name.clone(),
                median,
                min: s.iter().copied().min().unwrap_or_default(),
                max: s.iter().copied().max().unwrap_or_default(),
                ratio_to_baseline: ratio(median, baseline),
            })
            .collect();
        Report {
            name: self.name,
            rounds: self.rounds,
            results,
        }
    }
}

impl Report {
    /// A Markdown table: contender, median, min, max, and ratio to the baseline.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "{} ({} interleaved rounds)\n\n| contender | median | min | max | vs {} |\n|---|---|---|---|---|\n",
            self.name,
            self.rounds,
            self.results.first().map_or("-", |r| r.name.as_str())
        );
        for r in &self.results {
            let _ = writeln!(
                out,
                "| {} | {:?} | {:?} | {:?} | {:.2}x |",
                r.name, r.median, r.min, r.max, r.ratio_to_baseline
            );
        }
        out
    }
}

/// The median of `samples` (the mean of the middle two for an even count); zero when empty.
pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    match samples.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => samples[n / 2],
        n => (samples[n / 2 - 1] + samples[n / 2]) / 2,
    }
}

/// `a / b` as a float; 1.0 when both are zero and infinity when only `b` is.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    match (a.is_zero(), b.is_zero()) {
        (true, true) => 1.0,
        (_, true) => f64::INFINITY,
        _ => a.as_secs_f64() / b.as_secs_f64(),
    }
}

/// Linux's fixed `USER_HZ`: the unit of the CPU times in `/proc/PID/stat` on every architecture
/// this workspace targets.
const USER_HZ: u64 = 100;

/// User plus system CPU time consumed so far by process `pid` (all its threads), from
/// `/proc/PID/stat`. Sample it before and after a load to get a server's CPU cost per request.
pub fn process_cpu_time(pid: u32) -> std::io::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    parse_proc_stat_cpu(&stat).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("unexpected /proc/{pid}/stat layout"),
        )
    })
}

/// Extracts utime + stime from a `/proc/PID/stat` line. The command name (field 2) may contain
/// spaces and parentheses, so fields are counted from the last `)`.
fn parse_proc_stat_cpu(stat: &str) -> Option<Duration> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    // After the name: state is field 3, utime field 14, stime field 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = utime + stime;
    Some(Duration::from_millis(ticks * 1000 / USER_HZ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [ms(5), ms(1), ms(3)]), ms(3));
        assert_eq!(
            median(&mut [ms(4), ms(1), ms(3), ms(2)]),
            Duration::from_micros(2500)
        );
        assert_eq!(median(&mut []), Duration::ZERO);
    }

    #[test]
    fn ratio_handles_zero() {
        assert_eq!(ratio(ms(2), ms(4)), 0.5);
        assert_eq!(ratio(ms(0), ms(0)), 1.0);
        assert!(ratio(ms(1), ms(0)).is_infinite());
    }

    #[test]
    fn rounds_rotate_the_starting_contender() {
        use std::cell::RefCell;
        let order = RefCell::new(Vec::new());
        let mut contest = Contest::new("order", 3);
        contest.contender("a", || {
            order.borrow_mut().push('a');
            ms(10)
        });
        contest.contender("b", || {
            order.borrow_mut().push('b');
            ms(30)
        });
        let report = contest.run();
        assert_eq!(order.into_inner(), vec!['a', 'b', 'b', 'a', 'a', 'b']);
        assert_eq!(report.results[1].median, ms(30));
        assert_eq!(report.results[1].ratio_to_baseline, 3.0);
        assert!(
            report
                .to_markdown()
                .contains("| b | 30ms | 30ms | 30ms | 3.00x |")
        );
    }

    #[test]
    fn proc_stat_parsing_counts_fields_after_the_name() {
        let line = "1234 (a (weird) name) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0";
        assert_eq!(parse_proc_stat_cpu(line), Some(ms(3000)));
        assert_eq!(parse_proc_stat_cpu("garbage"), None);
    }

    #[test]
    fn own_cpu_time_grows_with_work() {
        let pid = std::process::id();
        let before = process_cpu_time(pid).unwrap();
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while start.elapsed() < ms(150) {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        let after = process_cpu_time(pid).unwrap();
        assert!(after > before, "{before:?} -> {after:?}");
    }
}
