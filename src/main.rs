use std::io;
use std::process::ExitCode;

use clap::Parser;
use herald::cli::{Cli, Command, check, config, demo, lua, notify, route, run};

/// mimalloc: herald allocates and frees many small strings and maps (every watch event is
/// parsed into one); glibc's allocator spent a third of herald's time on them. Built with
/// `no_thp`: transparent huge pages cost 30 MiB of resident memory for nothing. The
/// `system-allocator` feature leaves it out, for heap profilers that follow malloc.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long mimalloc waits before it returns freed memory to the system, unless
/// `MIMALLOC_PURGE_DELAY` says. Its default (1 s) left the pages freed during the first lists
/// resident: about 30 MiB at 10,000 objects (BENCHMARKS.md, "Memory at ready"). 10 ms cost 8%
/// more CPU to ready at 100,000 objects; 100 ms about nothing.
#[cfg(not(feature = "system-allocator"))]
const PURGE_DELAY_MS: std::ffi::c_long = 100;

/// mimalloc purges only when it is called, and an agent gone quiet after its first lists does
/// not call it: this often, a thread of its own asks it to purge what is due.
#[cfg(not(feature = "system-allocator"))]
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// `mi_option_purge_delay` in mimalloc's `mi_option_t`.
#[cfg(not(feature = "system-allocator"))]
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

#[cfg(not(feature = "system-allocator"))]
unsafe extern "C" {
    // mimalloc's own, linked with the allocator.
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    fn mi_collect(force: bool);
    fn mi_thread_init();
}

/// Collects the calling thread's heap (`herald::agent::COLLECT`): the frees other threads made
/// of what it allocated (the evaluator frees the objects the watches parsed) wait in its pages
/// until it collects them, and so do the pages it emptied last; a thread gone quiet allocates
/// nothing that would, and until then those pages cannot be purged. It costs a walk of the
/// thread's pages.
#[cfg(not(feature = "system-allocator"))]
fn collect_heap() {
    // SAFETY: collects this thread's own heap; no pointer is involved.
    unsafe { mi_collect(false) };
}

/// The process's CPU time so far.
#[cfg(not(feature = "system-allocator"))]
fn cpu_time() -> std::time::Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes the process's CPU clock into `t`, which lives through the call.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// A tick of [`PURGE_EVERY`] in which herald used more CPU than this was busy.
#[cfg(not(feature = "system-allocator"))]
const BUSY: std::time::Duration = std::time::Duration::from_millis(10);

/// Sets the purge delay and starts the thread that purges (`herald run` only).
#[cfg(not(feature = "system-allocator"))]
fn purge_freed_memory() {
    let _ = herald::agent::COLLECT.set(collect_heap);
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's options, by its number, to a value in its range.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
    let _ = std::thread::Builder::new()
        .name("herald-purge".into())
        .spawn(|| {
            // SAFETY: sets up this thread's heap, as its first allocation would: `mi_collect`
            // on a thread without one returns before it purges anything.
            unsafe { mi_thread_init() };
            let mut cpu = cpu_time();
            let mut busy = false;
            loop {
                std::thread::sleep(PURGE_EVERY);
                let now = cpu_time();
                let was_busy = std::mem::replace(&mut busy, now.saturating_sub(cpu) > BUSY);
                cpu = now;
                // Gone quiet after a busy tick (the first lists done, a burst of updates
                // over): everything freed goes back now rather than as each delay passes.
                let force = was_busy && !busy;
                // SAFETY: collects this thread's (empty) heap and purges the process's
                // arenas of what is due (all that is free, forced); no pointer is involved.
                unsafe { mi_collect(force) };
            }
        });
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    #[cfg(not(feature = "system-allocator"))]
    if matches!(cli.command, Command::Run(_)) {
        purge_freed_memory();
    }
    // Logs go to standard error; RUST_LOG chooses what (`herald=debug`...). The agent tells
    // what it does; the one-shot commands only what went wrong.
    let default = if matches!(cli.command, Command::Run(_)) {
        "info"
    } else {
        "warn"
    };
    // kube's client logs every dropped watch connection and every refused request, once per
    // watch: herald's watchers tell what matters of them instead (src/agent/watch.rs).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{default},kube_client::client=off"))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(false)
        .init();
    let code = match cli.command {
        Command::Demo(args) => demo::run(&args, &mut io::stdout().lock())?,
        Command::Run(args) => run::run(&args)?,
        Command::Lua(cmd) => lua::run(&cmd, &mut io::stdout().lock(), &mut io::stderr())?,
        Command::Check(args) => check::run(&args, &mut io::stdout().lock(), &mut io::stderr())?,
        Command::Config(cmd) => config::run(&cmd, &mut io::stdout().lock(), &mut io::stderr())?,
        Command::Route(cmd) => route::run(&cmd, &mut io::stdout().lock(), &mut io::stderr())?,
        Command::Notify(cmd) => notify::run(&cmd, &mut io::stdout().lock(), &mut io::stderr())?,
    };
    Ok(ExitCode::from(code as u8))
}
