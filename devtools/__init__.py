"""Developer tooling apart from the shipped service: the anvil launcher, test-token artifacts and demo data."""
