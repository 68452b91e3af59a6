"""On-chain reserve feeds: publishing a coin's attested reserves where contracts can read them (docs/feeds.md)."""
