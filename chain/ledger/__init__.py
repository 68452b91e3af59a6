"""The mint/burn ledger: every supply-changing event of each deployment, indexed and checked.

- ``logs``: the node's side: ``eth_getLogs`` filters, decoding, the counting rule, one window's fetch.
- ``index``: the database's side: cursors, the COPY insert, one indexing run per network.
- ``checks``: Σ ledger against ``totalSupply`` between confirmed readings, and the open findings.
"""
