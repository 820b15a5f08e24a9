"""Safe outbound HTTP shared by evidence capture, re-checks and the crawler (SSRF guard)."""
