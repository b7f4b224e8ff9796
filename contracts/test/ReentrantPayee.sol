// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {LicenseMarket} from "../LicenseMarket.sol";

/// @title ReentrantPayee
/// @notice Test-only payee that tries to drain the market: when `withdraw` pays it, its
///         `receive` calls `withdraw` again and swallows the failure, so that the outer
///         withdrawal still completes. A safe market pays it exactly its balance, once.
contract ReentrantPayee {
    uint256 private constant MAX_REENTRIES = 3;

    /// @notice The market attacked.
    LicenseMarket public immutable MARKET;
    /// @notice Who may start the attack.
    address public immutable ATTACKER;

    /// @notice Re-entries tried from `receive` so far.
    uint256 public reentryAttempts;
    /// @notice Re-entries that the market let through (a safe market keeps this at 0).
    uint256 public reentrySuccesses;
    /// @notice Revert data of the last re-entry the market refused.
    bytes public lastReentryError;

    /// @notice Someone other than the deployer tried to start the attack.
    /// @param caller Who called.
    error NotAttacker(address caller);

    /// @param market The market whose `withdraw` is re-entered.
    constructor(LicenseMarket market) {
        MARKET = market;
        ATTACKER = msg.sender;
    }

    /// @notice Re-enters `withdraw` while the market is paying out, up to `MAX_REENTRIES` times.
    receive() external payable {
        if (msg.sender != address(MARKET) || reentryAttempts >= MAX_REENTRIES) return;
        ++reentryAttempts;
        try MARKET.withdraw() {
            ++reentrySuccesses;
        } catch (bytes memory reason) {
            lastReentryError = reason;
        }
    }

    /// @notice Withdraws this contract's balance from the market, which starts the attack.
    function attack() external {
        if (msg.sender != ATTACKER) revert NotAttacker(msg.sender);
        MARKET.withdraw();
    }
}
