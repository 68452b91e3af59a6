"""The rule engine behind reserves.compute: pure functions over a run's stored inputs (no Django)."""
