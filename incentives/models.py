"""PI goals as data, evidence and evaluation runs (built in the goal-engine issue)."""
