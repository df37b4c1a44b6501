//! Files without a name until they are complete: on Linux an output file is
//! first an unnamed inode (`open(dir, O_TMPFILE)`), written and synced, and
//! only then linked under its name (`linkat` through `/proc/self/fd`). A
//! process killed before the link leaves nothing behind: the kernel frees an
//! unnamed file when its last descriptor closes, whatever ended the process.
//!
//! Where the file system or the platform has no unnamed files (or `/proc`
//! is not mounted), [`Unnamed::create_in`] answers `None` and callers fall
//! back to named temporary files.

use std::fs::File;
use std::io::Write;
use std::path::Path;

/// A complete, synced file that has no name yet.
pub struct Unnamed {
    file: File,
}

impl Unnamed {
    /// An unnamed file in `dir` holding `bytes`, synced to disk; `None` where
    /// unnamed files are not supported.
    pub fn create_in(dir: &Path, bytes: &[u8]) -> std::io::Result<Option<Unnamed>> {
        let Some(mut file) = open_unnamed(dir)? else {
            return Ok(None);
        };
        file.write_all(bytes)?;
        file.sync_all()?;
        Ok(Some(Unnamed { file }))
    }

    /// Gives the file the name `path` (in the folder it was created in, or
    /// another on the same file system). Fails with `AlreadyExists` if the
    /// name is taken: a link never replaces a file.
    pub fn link(&self, path: &Path) -> std::io::Result<()> {
        link_fd(&self.file, path)
    }

    /// Copies its contents to `to` (where it cannot be linked).
    pub fn copy_to(&self, to: &mut File) -> std::io::Result<()> {
        use std::io::{Seek, SeekFrom};
        let mut from = self.file.try_clone()?;
        from.seek(SeekFrom::Start(0))?;
        std::io::copy(&mut from, to).map(|_| ())
    }
}

#[cfg(target_os = "linux")]
fn open_unnamed(dir: &Path) -> std::io::Result<Option<File>> {
    use std::os::unix::fs::OpenOptionsExt;
    if !Path::new("/proc/self/fd").is_dir() {
        return Ok(None);
    }
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_TMPFILE)
        .open(dir)
    {
        Ok(f) => Ok(Some(f)),
        // No O_TMPFILE on this file system (or kernel).
        Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EISDIR)) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn open_unnamed(_: &Path) -> std::io::Result<Option<File>> {
    Ok(None)
}

#[cfg(target_os = "linux")]
fn link_fd(file: &File, path: &Path) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    let from = format!("/proc/self/fd/{}", file.as_raw_fd());
    paths_call(from.as_bytes(), path.as_os_str().as_bytes(), |from, to| {
        // SAFETY: both paths are valid NUL-terminated strings that outlive
        // the call; linkat reads them and touches no other memory.
        unsafe {
            libc::linkat(
                libc::AT_FDCWD,
                from,
                libc::AT_FDCWD,
                to,
                libc::AT_SYMLINK_FOLLOW,
            )
        }
    })
}

/// Makes a system call on two paths, `a` and `b`, handed to `call` as
/// NUL-terminated strings; `call` returns 0 on success, else the error is
/// in `errno`.
#[cfg(target_os = "linux")]
pub fn paths_call(
    a: &[u8],
    b: &[u8],
    call: impl FnOnce(*const libc::c_char, *const libc::c_char) -> libc::c_int,
) -> std::io::Result<()> {
    let a = std::ffi::CString::new(a)?;
    let b = std::ffi::CString::new(b)?;
    if call(a.as_ptr(), b.as_ptr()) == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn link_fd(_: &File, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Writes `bytes` to `path` so that a kill at any moment leaves either the
/// old file or the new one, and no temporary file: an unnamed file linked
/// under `path`, or when `path` exists, linked under a temporary name and
/// renamed over it at once (two system calls; a kill exactly between them
/// leaves `.NAME.capsim-tmpPID`). Without unnamed files, a named temporary
/// file is written and renamed ([`reports::write_atomic`]).
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let what = || format!("cannot write {}", path.display());
    let Some(file) = Unnamed::create_in(dir, bytes).with_context(what)? else {
        return reports::write_atomic(path, bytes).map_err(anyhow::Error::from);
    };
    match file.link(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let tmp = dir.join(format!(".{name}.capsim-tmp{}", std::process::id()));
            let _ = std::fs::remove_file(&tmp);
            file.link(&tmp).with_context(what)?;
            if let Err(e) = std::fs::rename(&tmp, path) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e).with_context(what);
            }
        }
        Err(_) => return reports::write_atomic(path, bytes).map_err(anyhow::Error::from),
    }
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(what)
}
