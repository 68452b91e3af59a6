"""Server-rendered pages: issuer attestation pages, the regulator dashboard, public coin pages and their templates."""
