"""`make bench`: the suite's figures beside baselines measured in the same run."""
