"""Speed and memory benchmarks, reported as ratios against a baseline measured in the same run."""
