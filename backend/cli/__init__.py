"""The `rights` command line: keys, registration, verification, licences, proofs."""
