// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @title PlainERC721
/// @notice Benchmark peer: the cheapest OpenZeppelin ERC-721 registration, an unchecked
///         `_mint` of the content hash as token id to the caller.
contract PlainERC721 is ERC721 {
    constructor() ERC721("Plain", "PLAIN") {}

    /// @param contentHash The token id to mint to the caller.
    function mint(bytes32 contentHash) external {
        _mint(msg.sender, uint256(contentHash));
    }
}
