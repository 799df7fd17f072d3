//! A Redis's command counts and CPU time, from `INFO commandstats` and
//! `INFO cpu`, to say what a linechat cluster costs its Redis: commands per
//! second, per measured line, per delivery.
//!
//! One short blocking connection per sample (connect, two commands, close),
//! with a timeout: taken only at the edges of the measurement, never in the
//! poll loop. The sample's own `INFO` calls are left out of the counts.
//! The parsing is pure and tested on text.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddrV4, TcpStream};
use std::time::Duration;

/// Longest one sample may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Largest `INFO` reply accepted.
const MAX_REPLY: usize = 1 << 20;

/// What Redis had done by the time of a sample.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// Calls so far per command (lower case, `xadd`, `client|setname`),
    /// sorted by name; `info` left out.
    pub calls: Vec<(String, u64)>,
    /// CPU time so far, user plus system (the main thread and the others),
    /// in seconds.
    pub cpu_secs: f64,
}

impl Sample {
    /// Takes one sample of the Redis at `addr`.
    pub fn take(addr: SocketAddrV4) -> io::Result<Sample> {
        let stream = TcpStream::connect_timeout(&addr.into(), TIMEOUT)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        let mut reader = BufReader::new(stream);
        let mut text = String::new();
        for section in ["commandstats", "cpu"] {
            let command = format!("*2\r\n$4\r\nINFO\r\n${}\r\n{section}\r\n", section.len());
            reader.get_mut().write_all(command.as_bytes())?;
            text += &read_bulk(&mut reader)?;
        }
        Ok(Sample::parse(&text))
    }

    /// The figures in the text of `INFO commandstats` and `INFO cpu`.
    pub fn parse(text: &str) -> Sample {
        let mut calls = Vec::new();
        let mut cpu_secs = 0.0;
        for line in text.lines() {
            let line = line.trim_end();
            if let Some(rest) = line.strip_prefix("cmdstat_") {
                // cmdstat_xadd:calls=12,usec=40,usec_per_call=3.33,...
                let Some((name, fields)) = rest.split_once(':') else {
                    continue;
                };
                let n = fields
                    .split(',')
                    .find_map(|f| f.strip_prefix("calls="))
                    .and_then(|v| v.parse::<u64>().ok());
                if let Some(n) = n.filter(|_| name != "info") {
                    calls.push((name.to_ascii_lowercase(), n));
                }
            } else if let Some((key, value)) = line.split_once(':')
                && matches!(key, "used_cpu_sys" | "used_cpu_user")
            {
                cpu_secs += value.parse::<f64>().unwrap_or(0.0);
            }
        }
        calls.sort();
        Sample { calls, cpu_secs }
    }

    /// Calls of `command` so far.
    pub fn calls_of(&self, command: &str) -> u64 {
        self.calls
            .iter()
            .find(|(name, _)| name == command)
            .map_or(0, |&(_, n)| n)
    }

    /// What happened between `before` and this sample: calls per command
    /// (those called at all), and CPU seconds.
    pub fn since(&self, before: &Sample) -> Sample {
        let calls = self
            .calls
            .iter()
            .map(|(name, n)| (name.clone(), n.saturating_sub(before.calls_of(name))))
            .filter(|&(_, n)| n > 0)
            .collect();
        Sample {
            calls,
            cpu_secs: (self.cpu_secs - before.cpu_secs).max(0.0),
        }
    }

    /// Calls of every command together.
    pub fn total(&self) -> u64 {
        self.calls.iter().map(|(_, n)| n).sum()
    }
}

/// Reads one RESP bulk string reply (`$<len>\r\n<bytes>\r\n`); an error
/// reply (`-ERR ...`) or anything else is an error.
fn read_bulk(r: &mut impl BufRead) -> io::Result<String> {
    let mut head = String::new();
    r.read_line(&mut head)?;
    let bad = |why: String| io::Error::new(io::ErrorKind::InvalidData, why);
    let len: usize = head
        .strip_prefix('$')
        .and_then(|n| n.trim_end().parse().ok())
        .filter(|&n| n <= MAX_REPLY)
        .ok_or_else(|| bad(format!("Redis answered `{}`", head.trim_end())))?;
    let mut body = vec![0; len + 2];
    r.read_exact(&mut body)?;
    body.truncate(len);
    String::from_utf8(body).map_err(|e| bad(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "# Commandstats\r\n\
        cmdstat_xadd:calls=10,usec=50,usec_per_call=5.00,rejected_calls=0,failed_calls=0\r\n\
        cmdstat_info:calls=3,usec=90,usec_per_call=30.00,rejected_calls=0,failed_calls=0\r\n\
        cmdstat_client|setname:calls=2,usec=1,usec_per_call=0.50,rejected_calls=0\r\n\
        # CPU\r\n\
        used_cpu_sys:1.500000\r\n\
        used_cpu_user:0.500000\r\n\
        used_cpu_sys_children:9.000000\r\n\
        used_cpu_sys_main_thread:1.400000\r\n";

    #[test]
    fn info_text_gives_calls_and_cpu() {
        let s = Sample::parse(BEFORE);
        assert_eq!(
            s.calls,
            [("client|setname".to_string(), 2), ("xadd".to_string(), 10)]
        );
        assert!((s.cpu_secs - 2.0).abs() < 1e-9, "{}", s.cpu_secs);
        assert_eq!(
            (s.calls_of("xadd"), s.calls_of("xread"), s.total()),
            (10, 0, 12)
        );
    }

    #[test]
    fn the_difference_keeps_only_commands_called() {
        let before = Sample::parse(BEFORE);
        let after = Sample::parse(
            "cmdstat_xadd:calls=25,usec=1\r\ncmdstat_xread:calls=4,usec=1\r\n\
             cmdstat_client|setname:calls=2,usec=1\r\nused_cpu_sys:2.0\r\nused_cpu_user:1.25\r\n",
        );
        let d = after.since(&before);
        assert_eq!(
            d.calls,
            [("xadd".to_string(), 15), ("xread".to_string(), 4)]
        );
        assert!((d.cpu_secs - 1.25).abs() < 1e-9);
        assert_eq!(d.total(), 19);
    }

    #[test]
    fn bulk_replies_are_read_and_errors_refused() {
        let mut r = &b"$5\r\nhello\r\n$0\r\n\r\n"[..];
        assert_eq!(read_bulk(&mut r).unwrap(), "hello");
        assert_eq!(read_bulk(&mut r).unwrap(), "");
        let mut r = &b"-ERR unknown command\r\n"[..];
        let e = read_bulk(&mut r).unwrap_err();
        assert!(e.to_string().contains("-ERR unknown"), "{e}");
    }
}
