"""Advisory visits, chlorine readings, agreements and work plans (built in the visits issue)."""
