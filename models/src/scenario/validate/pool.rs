//! Validation of `[pool]`: its size, what a checkout does when it is full,
//! and the connections' life, with commons-pool2's rules between
//! `max_total`, `max_idle` and `min_idle`.

use super::preset::Applied;
use super::section::Section;
use super::Problem;
use crate::scenario::{CheckoutCheck, Order, Pool, PoolLife, WhenExhausted};

pub(super) fn pool(p: &Section, applied: &Applied) -> Result<Pool, Problem> {
    let max_total = p.whole("max_total")? as u32;
    let when_exhausted = match p.choice("when_exhausted")? {
        "fail" => WhenExhausted::Fail,
        _ => WhenExhausted::Block,
    };
    let mut acquire_timeout = p.optional_span("acquire_timeout")?;
    if when_exhausted == WhenExhausted::Fail && applied.supplied("pool.acquire_timeout") {
        // The file chose to fail at once: the preset's wait does not apply.
        acquire_timeout = None;
    }
    if let (WhenExhausted::Fail, Some(t)) = (when_exhausted, acquire_timeout) {
        let from = match applied.name {
            Some(name) if applied.supplied("pool.when_exhausted") => {
                format!(" (from preset \"{name}\")")
            }
            _ => String::new(),
        };
        return Err(Problem::value(
            p.key("acquire_timeout"),
            format!(
                "\"{t}\" has no effect with when_exhausted = \"fail\"{from}; \
                 remove it, or set when_exhausted = \"block\""
            ),
        ));
    }
    let order = match p.choice("order")? {
        "fifo" => Order::Fifo,
        _ => Order::Lifo,
    };
    Ok(Pool {
        max_total,
        when_exhausted,
        acquire_timeout,
        order,
        life: pool_life(p, max_total, applied)?,
    })
}

fn pool_life(p: &Section, max_total: u32, applied: &Applied) -> Result<PoolLife, Problem> {
    // Follows `max_total` unless written.
    let mut max_idle = p.whole_or("max_idle", u64::from(max_total))? as u32;
    if applied.supplied("pool.max_idle") {
        // commons-pool2 never keeps more idle than open.
        max_idle = max_idle.min(max_total);
    }
    if max_idle > max_total {
        return Err(Problem::value(
            p.key("max_idle"),
            format!(
                "max_idle ({max_idle}) is above max_total ({max_total}); lower it, or raise max_total"
            ),
        ));
    }
    let min_idle = p.whole("min_idle")? as u32;
    if min_idle > max_idle {
        return Err(Problem::value(
            p.key("min_idle"),
            format!(
                "min_idle ({min_idle}) is above max_idle ({max_idle}); lower it, or raise max_idle"
            ),
        ));
    }
    let checkout_check = match p.choice("checkout_check")? {
        "peek" => CheckoutCheck::Peek,
        _ => CheckoutCheck::None,
    };
    let tests = {
        let key = "tests_per_eviction_run";
        let n = p.whole_signed(key)?;
        if n == 0 {
            return Err(Problem::value(
                p.key(key),
                "expected a whole number other than 0 (a negative n examines ceil(idle / |n|)), found 0",
            ));
        }
        n as i32
    };
    Ok(PoolLife {
        min_idle,
        max_idle,
        max_lifetime: p.optional_span("max_lifetime")?,
        idle_timeout: p.optional_span("idle_timeout")?,
        checkout_check,
        test_on_borrow: p.boolean("test_on_borrow")?,
        test_while_idle: p.boolean("test_while_idle")?,
        eviction_interval: p.optional_span("eviction_interval")?,
        min_evictable_idle: p.optional_span("min_evictable_idle")?,
        tests_per_eviction_run: tests,
        keep_failed: p.boolean("keep_failed")?,
    })
}
