"""The synthetic demo set: a seeded generator of invented posts, ads and citizen reports.

Everything here is invented and marked SYNTHETIC; it exists so that `make demo` shows the
whole system working on realistic-looking data without touching anyone's real data. It is
deliberately not the classifier's training corpus (the detection area writes its own).
"""
