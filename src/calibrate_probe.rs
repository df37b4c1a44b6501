//! The connection `capsim calibrate` measures through: a real Redis client
//! (the `redis` crate's synchronous API), its errors turned into sentences,
//! and snapshots of the server's own counters (`INFO`: the main thread's CPU
//! time and `commandstats`).

use redis::{Cmd, Connection, ErrorKind, RedisError, Value};
use std::collections::HashMap;
use std::time::Duration;

/// Longest wait to connect, and for any one reply.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// A Redis address, `HOST:PORT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addr {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Parses `HOST:PORT` (an IPv6 host in brackets: `[::1]:6379`).
pub fn parse_addr(s: &str) -> Result<Addr, String> {
    let bad = || format!("expected HOST:PORT like 127.0.0.1:6379, found `{s}`");
    let (host, port) = s.trim().rsplit_once(':').ok_or_else(bad)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(bad());
    }
    let port: u16 = port.parse().map_err(|_| bad())?;
    if port == 0 {
        return Err(bad());
    }
    Ok(Addr {
        host: host.to_string(),
        port,
    })
}

/// Splits a command line into words: whitespace separates them, and a word
/// in double quotes keeps its spaces (`SET k "a b"`).
pub fn split_command(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for ch in s.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if quoted {
        return Err(format!("unbalanced double quote in command `{s}`"));
    }
    if any {
        words.push(word);
    }
    if words.is_empty() {
        return Err("empty command".to_string());
    }
    Ok(words)
}

/// The `redis` command for `words`.
pub fn command(words: &[String]) -> Cmd {
    let mut c = redis::cmd(&words[0]);
    for w in &words[1..] {
        c.arg(w);
    }
    c
}

/// One connection to the Redis being measured.
pub struct Probe {
    conn: Connection,
    addr: Addr,
}

/// The server's counters at one moment.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// CPU seconds of the main thread (user + system); the whole process's
    /// on servers older than 6.2, which do not report the thread's.
    pub cpu: f64,
    /// Per command name (lower case): calls and microseconds.
    pub stats: HashMap<String, (u64, u64)>,
}

impl Snapshot {
    /// Calls and microseconds of `name` between `before` and `self`.
    pub fn delta(&self, before: &Snapshot, name: &str) -> (u64, u64) {
        let now = self.stats.get(name).copied().unwrap_or((0, 0));
        let then = before.stats.get(name).copied().unwrap_or((0, 0));
        (now.0.saturating_sub(then.0), now.1.saturating_sub(then.1))
    }

    /// Calls and microseconds of all commands between `before` and `self`.
    pub fn delta_all(&self, before: &Snapshot) -> (u64, u64) {
        self.stats
            .keys()
            .map(|k| self.delta(before, k))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    }
}

impl Probe {
    /// Connects to `addr` and checks that it answers PING without AUTH.
    pub fn connect(addr: &Addr) -> Result<Probe, String> {
        let client = redis::Client::open((addr.host.as_str(), addr.port))
            .map_err(|e| format!("cannot use Redis address {addr}: {e}"))?;
        let conn = client
            .get_connection_with_timeout(IO_TIMEOUT)
            .map_err(|e| unreachable(addr, &e))?;
        conn.set_read_timeout(Some(IO_TIMEOUT))
            .and_then(|_| conn.set_write_timeout(Some(IO_TIMEOUT)))
            .map_err(|e| unreachable(addr, &e))?;
        let mut probe = Probe {
            conn,
            addr: addr.clone(),
        };
        probe.run(&redis::cmd("PING"))?;
        Ok(probe)
    }

    /// Runs one command; an error reply or a broken connection is a sentence.
    pub fn run(&mut self, cmd: &Cmd) -> Result<Value, String> {
        cmd.query::<Value>(&mut self.conn)
            .map_err(|e| self.explain(&e))
    }

    /// Runs one command and returns only whether it succeeded (for timed loops).
    #[inline]
    pub fn run_quiet(&mut self, cmd: &Cmd) -> Result<(), RedisError> {
        cmd.query::<Value>(&mut self.conn).map(|_| ())
    }

    /// Turns a client error into a sentence naming the address.
    pub fn explain(&self, e: &RedisError) -> String {
        let addr = &self.addr;
        let text = e.to_string();
        if e.code() == Some("NOAUTH") || text.contains("NOAUTH") || text.contains("WRONGPASS") {
            return format!(
                "Redis at {addr} requires AUTH (a password or ACL user); calibrate a server \
                 that accepts commands without AUTH, such as a copy on loopback ({text})"
            );
        }
        if matches!(e.kind(), ErrorKind::IoError) {
            return unreachable(addr, e);
        }
        format!("Redis at {addr} answered an error: {text}")
    }

    /// The server's `INFO` fields (every section).
    pub fn info(&mut self) -> Result<HashMap<String, String>, String> {
        let v = self.run(redis::cmd("INFO").arg("all"))?;
        let text = match v {
            Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
            Value::VerbatimString { text, .. } => text,
            Value::SimpleString(s) => s,
            other => return Err(format!("unexpected INFO reply: {other:?}")),
        };
        Ok(text
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_string(), v.trim().to_string()))
            .collect())
    }

    /// The counters now.
    pub fn snapshot(&mut self) -> Result<Snapshot, String> {
        let info = self.info()?;
        let num = |k: &str| info.get(k).and_then(|v| v.parse::<f64>().ok());
        let cpu = match (
            num("used_cpu_user_main_thread"),
            num("used_cpu_sys_main_thread"),
        ) {
            (Some(u), Some(s)) => u + s,
            _ => num("used_cpu_user").unwrap_or(0.0) + num("used_cpu_sys").unwrap_or(0.0),
        };
        let mut stats = HashMap::new();
        for (k, v) in &info {
            let Some(name) = k.strip_prefix("cmdstat_") else {
                continue;
            };
            let field = |f: &str| {
                v.split(',')
                    .filter_map(|kv| kv.split_once('='))
                    .find(|(k, _)| *k == f)
                    .and_then(|(_, v)| v.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            stats.insert(name.to_string(), (field("calls"), field("usec")));
        }
        Ok(Snapshot { cpu, stats })
    }
}

fn unreachable(addr: &Addr, e: &RedisError) -> String {
    format!("cannot reach Redis at {addr}: {e}")
}

/// The `commandstats` name of a command: its first word in lower case, with
/// the subcommand for the container commands Redis 7 counts apart
/// (`CONFIG GET` is `config|get`); DEBUG is counted as one.
pub fn stat_name(words: &[String]) -> String {
    let first = words[0].to_ascii_lowercase();
    const CONTAINERS: [&str; 8] = [
        "config", "client", "cluster", "command", "memory", "object", "script", "xinfo",
    ];
    match words.get(1) {
        Some(sub) if CONTAINERS.contains(&first.as_str()) => {
            format!("{first}|{}", sub.to_ascii_lowercase())
        }
        _ => first,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            parse_addr("127.0.0.1:6379").unwrap(),
            Addr {
                host: "127.0.0.1".into(),
                port: 6379
            }
        );
        assert_eq!(parse_addr("[::1]:7000").unwrap().host, "::1");
        assert_eq!(parse_addr("[::1]:7000").unwrap().to_string(), "[::1]:7000");
        for bad in ["", "localhost", ":6379", "h:0", "h:70000", "h:x"] {
            assert!(parse_addr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn command_words() {
        assert_eq!(
            split_command("DEBUG SLEEP 0.0005").unwrap(),
            ["DEBUG", "SLEEP", "0.0005"]
        );
        assert_eq!(
            split_command(" SET k \"a b\" ").unwrap(),
            ["SET", "k", "a b"]
        );
        assert_eq!(split_command("SET k \"\"").unwrap(), ["SET", "k", ""]);
        assert!(split_command("  ").is_err());
        assert!(split_command("GET \"k").is_err());
        assert_eq!(stat_name(&split_command("debug sleep 0").unwrap()), "debug");
        assert_eq!(
            stat_name(&split_command("CONFIG GET x").unwrap()),
            "config|get"
        );
    }
}
