//! Stopping on SIGINT or SIGTERM (Ctrl-C, `kill`, a batch scheduler's
//! preemption) within moments, with the documented exit status 130.
//!
//! The handler sets a flag that long computations poll, then exits at once
//! unless outputs are being written: a sweep's finished points are already
//! in its checkpoint (it waits for a point being appended, so the file ends
//! on a whole line) and the message says how to resume. While an output set
//! is being staged and swapped in, which takes moments, the handler lets it
//! finish; a second signal exits at once (the staging folder it may leave is
//! removed by the install's janitor, see `crate::janitor`).

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

/// Installs the handler, first thing in `main`. SIGTERM is always handled;
/// SIGINT and SIGHUP are too, unless capsim started with them ignored (a
/// background job of a shell without job control ignores SIGINT, `nohup`
/// ignores SIGHUP), which it respects. If the handler cannot be installed,
/// signals keep their default action (an immediate end, which writes nothing
/// half-way either).
///
/// The `ctrlc` crate is not used on Unix: it overrides inherited ignores, so
/// `nohup capsim sweep ...` stopped (status 130) on the very hangup `nohup`
/// is meant to shield it from.
pub fn install() {
    #[cfg(unix)]
    let _ = unix::install(on_signal);
    #[cfg(not(unix))]
    let _ = ctrlc::set_handler(on_signal);
}

#[cfg(unix)]
mod unix {
    //! The handler writes a byte to a pipe (all a signal handler may safely
    //! do); a thread reads it and runs the reaction.
    use std::sync::atomic::{AtomicI32, Ordering};

    static PIPE: AtomicI32 = AtomicI32::new(-1);

    extern "C" fn handler(_: libc::c_int) {
        let fd = PIPE.load(Ordering::Relaxed);
        if fd >= 0 {
            let byte = 1u8;
            // SAFETY: write(2) is async-signal-safe; the buffer is a live
            // local byte. A full pipe (signals faster than the thread reads
            // them) drops the byte, which changes nothing.
            unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
        }
    }

    fn check(rc: libc::c_int) -> std::io::Result<()> {
        if rc == -1 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    pub(super) fn install(react: fn()) -> std::io::Result<()> {
        let mut fds = [-1; 2];
        // SAFETY: `fds` has room for the two descriptors pipe(2) writes;
        // fcntl and sigaction get valid descriptors and initialised structs.
        unsafe {
            check(libc::pipe(fds.as_mut_ptr()))?;
            for fd in fds {
                check(libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC))?;
            }
            check(libc::fcntl(fds[1], libc::F_SETFL, libc::O_NONBLOCK))?;
        }
        PIPE.store(fds[1], Ordering::SeqCst);
        let reader = fds[0];
        std::thread::Builder::new()
            .name("capsim-signals".into())
            .spawn(move || loop {
                let mut byte = 0u8;
                // SAFETY: reads one byte into a live local.
                let n = unsafe { libc::read(reader, (&mut byte as *mut u8).cast(), 1) };
                if n == 1 {
                    react();
                } else if n == 0
                    || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
                {
                    return;
                }
            })?;
        for sig in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            // SAFETY: sigaction reads `new` and writes `old`, both owned,
            // zero-initialised structs of the right type.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                check(libc::sigaction(sig, std::ptr::null(), &mut old))?;
                if sig != libc::SIGTERM && old.sa_sigaction == libc::SIG_IGN {
                    continue;
                }
                let mut new: libc::sigaction = std::mem::zeroed();
                new.sa_sigaction = handler as extern "C" fn(libc::c_int) as libc::sighandler_t;
                new.sa_flags = libc::SA_RESTART;
                check(libc::sigemptyset(&mut new.sa_mask))?;
                check(libc::sigaction(sig, &new, std::ptr::null_mut()))?;
            }
        }
        Ok(())
    }
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
