//! Validation of `[pool]`: its size, what a checkout does when it is full,
//! and the connections' life, with commons-pool2's rules between
//! `max_total`, `max_idle` and `min_idle`.

use super::preset::Applied;
use super::values::{boolean, choice, optional_span, whole, whole_signed, Zero};
use super::Problem;
use crate::scenario::raw;
use crate::scenario::{CheckoutCheck, Order, Pool, PoolLife, WhenExhausted};

pub(super) fn pool(p: raw::RawPool, applied: &Applied) -> Result<Pool, Problem> {
    let max_total = whole(p.max_total.as_ref(), "pool.max_total", 8, 1, 1_000_000)? as u32;
    let when_exhausted = match choice(
        p.when_exhausted.as_ref(),
        "pool.when_exhausted",
        &["block", "fail"],
        "block",
    )? {
        "fail" => WhenExhausted::Fail,
        _ => WhenExhausted::Block,
    };
    let mut acquire_timeout = optional_span(
        p.acquire_timeout.as_ref(),
        "pool.acquire_timeout",
        None,
        Zero::Allowed { example: "5ms" },
    )?;
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
            "pool.acquire_timeout",
            format!(
                "\"{t}\" has no effect with when_exhausted = \"fail\"{from}; \
                 remove it, or set when_exhausted = \"block\""
            ),
        ));
    }
    let order = match choice(p.order.as_ref(), "pool.order", &["lifo", "fifo"], "lifo")? {
        "fifo" => Order::Fifo,
        _ => Order::Lifo,
    };
    Ok(Pool {
        max_total,
        when_exhausted,
        acquire_timeout,
        order,
        life: pool_life(&p, max_total, applied)?,
    })
}

fn pool_life(p: &raw::RawPool, max_total: u32, applied: &Applied) -> Result<PoolLife, Problem> {
    let d = PoolLife::defaults(max_total);
    let mut max_idle = whole(
        p.max_idle.as_ref(),
        "pool.max_idle",
        u64::from(d.max_idle),
        0,
        1_000_000,
    )? as u32;
    if applied.supplied("pool.max_idle") {
        // commons-pool2 never keeps more idle than open.
        max_idle = max_idle.min(max_total);
    }
    if max_idle > max_total {
        return Err(Problem::value(
            "pool.max_idle",
            format!(
                "max_idle ({max_idle}) is above max_total ({max_total}); lower it, or raise max_total"
            ),
        ));
    }
    let min_idle = whole(
        p.min_idle.as_ref(),
        "pool.min_idle",
        u64::from(d.min_idle),
        0,
        1_000_000,
    )? as u32;
    if min_idle > max_idle {
        return Err(Problem::value(
            "pool.min_idle",
            format!(
                "min_idle ({min_idle}) is above max_idle ({max_idle}); lower it, or raise max_idle"
            ),
        ));
    }
    let checkout_check = match choice(
        p.checkout_check.as_ref(),
        "pool.checkout_check",
        &["none", "peek"],
        "none",
    )? {
        "peek" => CheckoutCheck::Peek,
        _ => CheckoutCheck::None,
    };
    let tests = match &p.tests_per_eviction_run {
        None => d.tests_per_eviction_run,
        Some(v) => {
            let key = "pool.tests_per_eviction_run";
            let n = whole_signed(v, key, 1_000_000)?;
            if n == 0 {
                return Err(Problem::value(
                    key,
                    "expected a whole number other than 0 (a negative n examines ceil(idle / |n|)), found 0",
                ));
            }
            n as i32
        }
    };
    Ok(PoolLife {
        min_idle,
        max_idle,
        max_lifetime: optional_span(
            p.max_lifetime.as_ref(),
            "pool.max_lifetime",
            d.max_lifetime,
            Zero::Refused,
        )?,
        idle_timeout: optional_span(
            p.idle_timeout.as_ref(),
            "pool.idle_timeout",
            d.idle_timeout,
            Zero::Refused,
        )?,
        checkout_check,
        test_on_borrow: boolean(
            p.test_on_borrow.as_ref(),
            "pool.test_on_borrow",
            d.test_on_borrow,
        )?,
        test_while_idle: boolean(
            p.test_while_idle.as_ref(),
            "pool.test_while_idle",
            d.test_while_idle,
        )?,
        eviction_interval: optional_span(
            p.eviction_interval.as_ref(),
            "pool.eviction_interval",
            d.eviction_interval,
            Zero::Refused,
        )?,
        min_evictable_idle: optional_span(
            p.min_evictable_idle.as_ref(),
            "pool.min_evictable_idle",
            d.min_evictable_idle,
            Zero::Refused,
        )?,
        tests_per_eviction_run: tests,
        keep_failed: boolean(p.keep_failed.as_ref(), "pool.keep_failed", d.keep_failed)?,
    })
}
