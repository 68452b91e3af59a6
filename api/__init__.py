"""The DRF APIs: the public read-only reserve API and the issuer attestation API."""
