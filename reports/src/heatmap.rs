//! Heatmaps: one metric over two axes.
