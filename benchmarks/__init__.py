"""`make bench`: what every path costs, measured side by side in one run."""
