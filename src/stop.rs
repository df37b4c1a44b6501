//! Stopping on SIGINT or SIGTERM (Ctrl-C, `kill`, a batch scheduler's
//! preemption) within moments, with the documented exit status 130.
//!
//! The handler sets a flag that long computations poll, then exits at once
//! unless outputs are being written: a sweep's finished points are already
//! in its checkpoint (it waits for a point being appended, so the file ends
//! on a whole line) and the message says how to resume. While an output set
//! is being staged and swapped in, which takes moments, the handler lets it
//! finish; a second signal exits at once (the staging folder it may leave is
//! removed by the next run).

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

/// The computation is running: a signal ends the process.
const RUNNING: u8 = 0;
/// Outputs are being written: a first signal lets them finish.
const WRITING: u8 = 1;

static STOP: AtomicBool = AtomicBool::new(false);
static PHASE: AtomicU8 = AtomicU8::new(RUNNING);
/// What to say when a signal ends the process, and the checkpoint whose
/// appends must not be cut.
static ON_STOP: Mutex<Option<String>> = Mutex::new(None);
static CHECKPOINT: OnceLock<&'static models::sweep::checkpoint::Checkpoint> = OnceLock::new();
/// Held by whoever reports the interruption and ends the process: the
/// handler's thread or the main thread that saw the flag. Both may race to
/// it; the first prints and exits while holding it, so the message appears
/// once and whole (an exit in the middle of the other's write cut it).
static EXITING: Mutex<()> = Mutex::new(());

/// Installs the handler; if it cannot be installed, signals keep their
/// default action (an immediate end, which writes nothing half-way either).
pub fn install() {
    let _ = ctrlc::set_handler(on_signal);
}

fn on_signal() {
    if STOP.swap(true, Ordering::SeqCst) {
        std::process::exit(i32::from(crate::INTERRUPTED));
    }
    if PHASE.load(Ordering::SeqCst) == WRITING {
        eprintln!("\ncapsim: finishing the outputs being written (signal again to quit now)");
        return;
    }
    let _appending = CHECKPOINT.get().map(|c| c.hold());
    let msg = ON_STOP.lock().map(|m| m.clone()).unwrap_or(None);
    exit_interrupted(&format!(
        "\ncapsim: interrupted: {}",
        msg.as_deref().unwrap_or("nothing written")
    ));
}

/// Prints `line` and ends the process with status 130, unless another thread
/// is already doing so (then it waits for that exit).
pub fn exit_interrupted(line: &str) -> ! {
    let _only_one = EXITING.lock();
    eprintln!("{line}");
    std::process::exit(i32::from(crate::INTERRUPTED));
}

/// The flag computations poll.
pub fn flag() -> &'static AtomicBool {
    &STOP
}

/// Sets what a signal's message says was kept.
pub fn on_stop(msg: String) {
    if let Ok(mut m) = ON_STOP.lock() {
        *m = Some(msg);
    }
}

/// Registers the checkpoint being appended to (once per process).
pub fn guard(c: &'static models::sweep::checkpoint::Checkpoint) {
    let _ = CHECKPOINT.set(c);
}

/// Marks the start of writing outputs: a first signal no longer ends the
/// process, which finishes the write and ends as it would have.
pub fn writing() {
    PHASE.store(WRITING, Ordering::SeqCst);
}
