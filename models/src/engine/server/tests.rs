//! Reply batching in the server alone: every reply time worked out by hand.
//! Commands take 1 ms of event loop (no overhead); times are in ms.

use super::{Done, Kind, Server};
use crate::engine::collect::Collector;
use crate::scenario::parse;
use sim::rng::Streams;
use sim::stats::Window;
use sim::time::SimTime;

fn ms(x: f64) -> SimTime {
    SimTime::from_secs_f64(x / 1e3)
}

/// A server of one shard with reply batching and `extra` `[redis]` keys,
/// and a collector whose window covers the test.
fn server(extra: &str) -> (Server, Collector) {
    let text = format!(
        "[workload]\nrate = 1\n[redis]\nservice_time = \"1ms\"\naccept_cost = \"0s\"\n\
         reply_batching = true\n{extra}\n"
    );
    let sc = parse(&text, "t.toml", "t", &[]).expect("valid");
    let window = Window {
        start: SimTime::ZERO,
        end: SimTime::from_secs(1),
    };
    let mut stats = Collector::new(window, 1, SimTime::from_secs(1), false);
    if sc.redis.bandwidth.is_some() {
        stats.links();
    }
    (Server::new(&sc.redis, &Streams::new(1, 0)), stats)
}

fn at(done: Done) -> SimTime {
    match done {
        Done::At(t) => t,
        other => panic!("expected a known reply, got {other:?}"),
    }
}

/// A reaches an idle loop: a pass of its own, reply at 1. B at the same
/// instant and C at 0.5 make the next pass, [1, 3]: both replies at 3, which
/// the close at 1 (asked for by B, the first of the pass) tells. D reaches
/// the loop at 3, as that pass ends: idle again, its own pass, reply at 4.
#[test]
fn a_pass_takes_what_came_before_it_began() {
    let (mut s, mut stats) = server("");
    let read = |s: &mut Server, stats: &mut Collector, t: f64, tag: u32| {
        s.command_in_pass(0, ms(t), Kind::Read, (tag, 1), stats)
    };
    assert_eq!(at(read(&mut s, &mut stats, 0.0, 0)), ms(1.0));
    assert_eq!(
        read(&mut s, &mut stats, 0.0, 1),
        Done::InPass {
            earliest: ms(2.0),
            close: Some(ms(1.0))
        }
    );
    assert_eq!(
        read(&mut s, &mut stats, 0.5, 2),
        Done::InPass {
            earliest: ms(3.0),
            close: None
        }
    );
    let mut out = Vec::new();
    s.close_pass(0, ms(1.0), &mut out, &mut stats);
    assert_eq!(out, vec![((1, 1), ms(3.0)), ((2, 1), ms(3.0))]);
    assert_eq!(at(read(&mut s, &mut stats, 3.0, 3)), ms(3.0) + ms(1.0));
    // Queue waits to service start are FIFO's: B 1, C 1.5 ms.
    assert_eq!(stats.commands, 4);
}

/// A fork at 0.2 (a 2 ms stall) comes during A's pass: it is work of the
/// next pass, with B (at 0.5) behind it: that pass is [1, 4], B's reply at
/// 4. A PING at 1.5 joins the pass after, [4, 5].
#[test]
fn a_fork_stall_lengthens_the_next_pass() {
    let (mut s, mut stats) =
        server("persistence = { every = \"10s\", stall_per_gb = \"2ms\", dataset = \"1GB\" }");
    assert_eq!(
        at(s.command_in_pass(0, ms(0.0), Kind::Read, (0, 1), &mut stats)),
        ms(1.0)
    );
    s.fork(0, ms(0.2), &mut stats);
    let b = s.command_in_pass(0, ms(0.5), Kind::Read, (1, 1), &mut stats);
    assert_eq!(
        b,
        Done::InPass {
            earliest: ms(4.0),
            close: Some(ms(1.0))
        }
    );
    let mut out = Vec::new();
    s.close_pass(0, ms(1.0), &mut out, &mut stats);
    assert_eq!(out, vec![((1, 1), ms(4.0))]);
    let p = s.command_in_pass(0, ms(1.5), Kind::Ping, (2, 1), &mut stats);
    assert_eq!(
        p,
        Done::InPass {
            earliest: ms(5.0),
            close: Some(ms(4.0))
        }
    );
    out.clear();
    s.close_pass(0, ms(4.0), &mut out, &mut stats);
    assert_eq!(out, vec![((2, 1), ms(5.0))]);
}

/// With a link of 1 ms a reply (1250-byte values at 10 Mbit/s), a pass's
/// replies queue for it in order at the pass's end: A's pass ends at 1, its
/// reply is sent by 2; B and C's pass ends at 3, their replies by 4 and 5.
#[test]
fn a_pass_sends_its_replies_in_order_at_its_end() {
    let (mut s, mut stats) = server("value_size = \"1250B\"\nbandwidth = \"10Mbit\"");
    assert_eq!(
        at(s.command_in_pass(0, ms(0.0), Kind::Read, (0, 1), &mut stats)),
        ms(2.0)
    );
    s.command_in_pass(0, ms(0.5), Kind::Read, (1, 1), &mut stats);
    s.command_in_pass(0, ms(0.6), Kind::Read, (2, 1), &mut stats);
    let mut out = Vec::new();
    s.close_pass(0, ms(1.0), &mut out, &mut stats);
    assert_eq!(out, vec![((1, 1), ms(4.0)), ((2, 1), ms(5.0))]);
}

/// Closing a pass that nothing waits for answers nothing.
#[test]
fn closing_an_empty_pass_answers_nothing() {
    let (mut s, mut stats) = server("");
    let mut out = Vec::new();
    s.close_pass(0, ms(5.0), &mut out, &mut stats);
    assert!(out.is_empty());
}
