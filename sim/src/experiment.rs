//! The parallel experiment runner: replications and grid points on rayon.
//!
//! Every job owns its simulation; seeds come from (scenario seed, replication)
//! and never from thread identity; results are collected in job order. So the
//! output is the same on any number of threads.

use rayon::prelude::*;

/// Runs `job(i)` for `i` in `0..n` in parallel and returns the results in order.
pub fn run_ordered<R, F>(n: usize, job: F) -> Vec<R>
where
    R: Send,
    F: Fn(usize) -> R + Sync + Send,
{
    (0..n).into_par_iter().map(job).collect()
}

/// The cartesian product of axis lengths, in row-major order (the last axis
/// varies fastest). Returns one index vector per point.
pub fn grid(lengths: &[usize]) -> Vec<Vec<usize>> {
    let total: usize = lengths.iter().product();
    let mut points = Vec::with_capacity(total);
    for mut k in 0..total {
        let mut idx = vec![0; lengths.len()];
        for (slot, &len) in idx.iter_mut().zip(lengths).rev() {
            *slot = k % len;
            k /= len;
        }
        points.push(idx);
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_row_major() {
        assert_eq!(
            grid(&[2, 3]),
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![0, 2],
                vec![1, 0],
                vec![1, 1],
                vec![1, 2]
            ]
        );
        assert_eq!(grid(&[]), vec![Vec::<usize>::new()]);
        assert!(grid(&[3, 0]).is_empty());
    }

    #[test]
    fn results_keep_job_order_on_any_pool() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let got = pool.install(|| run_ordered(100, |i| i * i));
        assert_eq!(got, (0..100).map(|i| i * i).collect::<Vec<_>>());
    }
}
