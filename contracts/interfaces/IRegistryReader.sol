// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IWorkRegistry} from "./IWorkRegistry.sol";

/// @title IRegistryReader
/// @notice The `WorkRegistry` as other contracts read it: ERC-721 ownership and attribution.
interface IRegistryReader is IWorkRegistry, IERC721 {}
