"""Archives: a catalogue of works registered by anchoring one Merkle root on chain, each work
provable by its inclusion proof and claimable later as a full registry token."""
