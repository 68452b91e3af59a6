"""Management commands of the shipped service (demo seeding is in devtools)."""
