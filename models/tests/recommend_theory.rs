//! `recommend` against exact theory: on pure M/M/n pools (Poisson arrivals,
//! exponential holds of 1 ms, Redis serving in no time, as in `capsim
//! validate`), the recommended pool is the smallest that theory says meets
//! the objective, or one more when the simulated confidence interval at that
//! size straddles the objective (too close to call), which the answer then
//! shows at the next-smaller size.
//!
//! The expected sizes are computed here from `sim::queueing`, independently
//! of the recommend module's own estimate.

use models::recommend::{search, Knob, Target, KNOBS};
use models::sweep::plan::{Input, Plan};
use models::sweep::results::Verdict;
use models::validate::{NO_L1, ONE_SHARD_ALWAYS_HITS};
use sim::queueing::{erlang_b, mmn_d, mmn_wait_tail};
use std::sync::atomic::AtomicBool;

/// Offered load of the waiting cases, in erlangs (per ms at a 1 ms hold).
const A: f64 = 8.0;

fn scenario(rate: f64, pool: &str, slo: &str) -> String {
    format!(
        r#"[simulation]
duration = "20s"
warmup = "300ms"
replications = 8
seed = 7

[workload]
rate = {rate}

[pool]
max_total = 40
{pool}

[network]
rtt = {{ dist = "exponential", mean = "1ms" }}
{NO_L1}{ONE_SHARD_ALWAYS_HITS}service_time = "0us"

[slo]
{slo}
"#
    )
}

fn target(text: String) -> Target {
    let plan = Plan::new(Input::from_text("theory", text)).expect("the scenario is valid");
    Target::from_plan(plan, 2e9).expect("the scenario has an SLO")
}

fn pool_knob() -> Knob {
    KNOBS[0]
}

/// The smallest `n` for which `ok(n)` holds.
fn theory_min(ok: impl Fn(u32) -> bool) -> u32 {
    (1..1000).find(|&n| ok(n)).expect("a size exists")
}

/// Searches the pool size and checks it against `expected`.
fn check(t: &Target, expected: u32) {
    let stop = AtomicBool::new(false);
    let a = search::smallest(t, pool_knob(), &[], &stop, &|_| {}).expect("the search runs");
    let est = a.estimate.as_ref().expect("theory applies").value;
    assert_eq!(est, f64::from(expected), "closed-form start: {a:?}");
    let got = a.recommended.expect("some size holds") as u32;
    let below = a.below.as_ref().expect("a smaller size was probed");
    eprintln!(
        "theory {expected}, recommended {got}, next-smaller {}: {}",
        below.settings.join(" "),
        below.verdict.name()
    );
    assert_ne!(below.verdict, Verdict::Holds);
    if got == expected + 1 {
        // One more than theory: only when theory's minimum is too close to
        // call, never when it clearly fails.
        assert_eq!(below.verdict, Verdict::TooClose, "{a:?}");
    } else {
        assert_eq!(got, expected, "probes: {:?}", a.probes);
    }
}

#[test]
fn erlang_c_with_a_p99_wait_objective() {
    // p99 of the acquire wait below 0.5 ms: P(W > 0.5 ms) < 1%.
    let limit_ms = 0.5;
    let expected = theory_min(|n| f64::from(n) > A && mmn_wait_tail(n, A, 1.0, limit_ms) < 0.01);
    let t = target(scenario(
        A * 1000.0,
        "when_exhausted = \"block\"\nacquire_timeout = \"none\"",
        &format!("\"pool.acquire_wait.p99_ms\" = \"< {limit_ms}\""),
    ));
    check(&t, expected);
}

#[test]
fn erlang_b_with_a_refusal_objective() {
    let a = 5.0;
    let expected = theory_min(|n| erlang_b(n, a) < 0.01);
    let t = target(scenario(
        a * 1000.0,
        "when_exhausted = \"fail\"",
        "\"pool.timeout_ratio\" = \"< 0.01\"",
    ));
    check(&t, expected);
}

#[test]
fn mmn_d_with_a_timeout_objective() {
    // Acquire timeout of half a mean hold.
    let tau = 0.5;
    let expected = theory_min(|n| mmn_d(n, A, 1.0, tau).p_abandon < 0.01);
    let t = target(scenario(
        A * 1000.0,
        "when_exhausted = \"block\"\nacquire_timeout = \"500us\"",
        "\"pool.timeout_ratio\" = \"< 0.01\"",
    ));
    check(&t, expected);
}

/// Redis Cluster: each pod keeps one pool per node, and the key popularity
/// decides each node's share of the checkouts. With a fail-fast pool every
/// node's pool is an Erlang B loss system fed by its Poisson share of the
/// pod's checkouts, so the refusal ratio over all checkouts is
/// `sum_i share_i B(n, a share_i)`: the theoretical minimum `n` is where that
/// falls below the objective. The closed-form start sizes the busiest node's
/// pool alone (`B(n, a share_max)`), at or above it; sizing for the mean load
/// (`a / nodes`) would start below.
#[test]
fn cluster_pools_are_sized_by_their_nodes_shares() {
    use models::scenario::Popularity;
    use models::slots::SlotMap;
    let (a, nodes, keys, alpha) = (12.0, 3u32, 1000u64, 1.0);
    let mut share = vec![0.0; nodes as usize];
    let map = SlotMap::new(nodes);
    for (i, p) in Popularity::zipf(keys, alpha)
        .unwrap()
        .pmf()
        .iter()
        .enumerate()
    {
        share[map.node_of_rank(i as u64 + 1) as usize] += p;
    }
    let busiest = share.iter().cloned().fold(0.0, f64::max);
    let limit = 0.01;
    let start = theory_min(|n| erlang_b(n, a * busiest) < limit);
    let expected =
        theory_min(|n| share.iter().map(|s| s * erlang_b(n, a * s)).sum::<f64>() < limit);
    let mean_load = theory_min(|n| erlang_b(n, a / f64::from(nodes)) < limit);
    eprintln!("shares {share:?}: start {start}, theory {expected}, mean-load {mean_load}");
    assert!(busiest > 0.4, "the Zipf head makes one node hot: {share:?}");
    let text = scenario(
        a * 1000.0,
        "when_exhausted = \"fail\"",
        &format!("\"pool.timeout_ratio\" = \"< {limit}\""),
    )
    .replace(
        "[redis]\nshards = 1",
        &format!("[redis]\nmode = \"cluster\"\nshards = {nodes}"),
    )
    .replace(
        "[workload]\n",
        &format!(
            "[workload]\nkeys = {keys}\nkey_popularity = {{ dist = \"zipf\", alpha = {alpha} }}\n"
        ),
    );
    let t = target(text);
    let stop = AtomicBool::new(false);
    let ans = search::smallest(&t, pool_knob(), &[], &stop, &|_| {}).expect("the search runs");
    let est = ans.estimate.as_ref().expect("theory applies");
    assert_eq!(est.value, f64::from(start), "{est:?}");
    assert!(est.formula.contains("busiest node"), "{}", est.formula);
    assert!(start > mean_load);
    let got = ans.recommended.expect("some size holds") as u32;
    let below = ans.below.as_ref().expect("a smaller size was probed");
    eprintln!("recommended {got}, next-smaller: {}", below.verdict.name());
    assert_ne!(below.verdict, Verdict::Holds);
    if got == expected + 1 {
        assert_eq!(below.verdict, Verdict::TooClose, "{ans:?}");
    } else {
        assert_eq!(got, expected, "probes: {:?}", ans.probes);
    }
}
