// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title NaiveRegistry
/// @notice Benchmark peer: the registry written the obvious way, keeping owner, timestamp and
///         metadata URI in storage for every work.
contract NaiveRegistry {
    struct Record {
        address owner;
        uint64 timestamp;
        string uri;
    }

    mapping(bytes32 contentHash => Record) public records;

    /// @param contentHash The work's content hash.
    /// @param owner Who registered it.
    /// @param uri Where its metadata lives.
    event Registered(bytes32 indexed contentHash, address indexed owner, string uri);

    error AlreadyRegistered(bytes32 contentHash, address owner);

    /// @param contentHash The work's content hash.
    /// @param uri Where its metadata lives.
    function register(bytes32 contentHash, string calldata uri) external {
        address existing = records[contentHash].owner;
        if (existing != address(0)) revert AlreadyRegistered(contentHash, existing);
        records[contentHash] = Record(msg.sender, uint64(block.timestamp), uri);
        emit Registered(contentHash, msg.sender, uri);
    }
}
