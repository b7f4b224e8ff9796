"""A typed Python client of the registry's API that signs locally: keys never leave the machine.

`backend.client.api.RightsClient` is the client; `backend.client.errors.ApiError` its one error.
Kept free of imports so that `backend.client.proof_check` loads with web3 alone.
"""
